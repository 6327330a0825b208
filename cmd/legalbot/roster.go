package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/legalbot/legalbot/config"
	"github.com/legalbot/legalbot/handoff"
	"github.com/legalbot/legalbot/store"
)

var rosterUsage = `Usage: legalbot roster COMMAND

The duty roster (the handoff section of LEGALBOT_CONFIG) lives in the Redis
that the replicas share (REDIS_URL); each replica looks for a new one every
` + rosterInterval.String() + `, so a changed roster needs no restart.

Commands:
  apply   check the handoff section of LEGALBOT_CONFIG and put it in force
          for every replica on REDIS_URL
  show    print the roster in force on REDIS_URL (YAML, as in LEGALBOT_CONFIG)
`

func runRoster(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, rosterUsage)
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, rosterUsage)
		return nil
	case "apply", "show":
	default:
		fmt.Fprintf(stderr, "legalbot roster: unknown command %q\n\n%s", args[0], rosterUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("roster "+args[0], flag.ContinueOnError)
	summary := "Usage: legalbot roster apply\n\nChecks the handoff section of LEGALBOT_CONFIG and puts it in force on REDIS_URL."
	if args[0] == "show" {
		summary = "Usage: legalbot roster show\n\nPrints the roster in force on REDIS_URL."
	}
	if err := parseFlags(fs, args[1:], summary, true, stdout, stderr); err != nil {
		return helpOK(err)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if cfg.Redis.URL == "" {
		return fmt.Errorf("REDIS_URL is not set: the roster lives in the Redis the replicas share")
	}
	rdb, err := store.Open(ctx, cfg.Redis.URL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	cases := store.NewCases(rdb, "", time.Duration(cfg.Session.Retention), time.Now)
	if args[0] == "show" {
		return showRoster(ctx, cases, stdout)
	}
	return applyRoster(ctx, cases, cfg.Handoff, stdout)
}

// showRoster prints the roster in force as the handoff section of a
// configuration file.
func showRoster(ctx context.Context, cases *store.Cases, stdout io.Writer) error {
	doc, err := cases.Roster(ctx)
	if err != nil {
		return err
	}
	if len(doc) == 0 {
		return fmt.Errorf("no roster in force on REDIS_URL (a replica with lawyers configured, or roster apply, puts one there)")
	}
	_, h, err := handoff.FromDoc(doc)
	if err != nil {
		return fmt.Errorf("the roster in force is invalid: %w", err)
	}
	out, err := yaml.Marshal(map[string]config.Handoff{"handoff": h})
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// applyRoster checks h and puts it in force for the replicas.
func applyRoster(ctx context.Context, cases *store.Cases, h config.Handoff, stdout io.Writer) error {
	doc, err := handoff.Doc(h)
	if err != nil {
		return err
	}
	r, _, err := handoff.FromDoc(doc)
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	if err := cases.SaveRoster(ctx, doc); err != nil {
		return fmt.Errorf("apply roster: %w", err)
	}
	fmt.Fprintf(stdout, "roster applied: %d lawyers, %d supervisors; running replicas put it in force within %s\n",
		len(r.Lawyers()), len(r.Supervisors()), rosterInterval)
	return nil
}
