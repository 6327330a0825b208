package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/legalbot/legalbot/config"
)

// errUsage is returned after a usage message was already printed.
var errUsage = errors.New("usage")

const usage = `legalbot — a public legal-services chat bot.

Usage:
  legalbot            serve on Telegram when TELEGRAM_TOKEN is set, otherwise chat on the terminal
  legalbot serve      run the bot on Telegram (long polling, or webhook when TELEGRAM_WEBHOOK_URL is set)
  legalbot chat       talk to the bot on the terminal (each line is a message; EOF ends)
  legalbot kb ...     validate, import, export and evaluate the knowledge base (legalbot kb --help)
  legalbot roster ... put a changed duty roster in force without a restart (legalbot roster --help)

Every command reads its settings from the environment (see README.md, or
legalbot COMMAND --help); LEGALBOT_CONFIG names an optional YAML file.
`

// run is the whole program: it parses args, reads settings through getenv
// and talks through the given streams, so tests run it as the binary would.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	var cmd string
	var rest []string
	if len(args) > 1 {
		cmd, rest = args[1], args[2:]
	}
	switch cmd {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "":
		// The token may come from the environment or the YAML file.
		if cfg, err := config.Load(getenv); err == nil && cfg.Telegram.Token != "" || getenv("TELEGRAM_TOKEN") != "" {
			return runServe(ctx, rest, getenv, stdout, stderr)
		}
		return runChat(ctx, rest, getenv, stdin, stdout, stderr, true)
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "chat":
		return runChat(ctx, rest, getenv, stdin, stdout, stderr, false)
	case "kb":
		return runKB(ctx, rest, getenv, stdin, stdout, stderr)
	case "roster":
		return runRoster(ctx, rest, getenv, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "legalbot: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

// parseFlags parses a subcommand's flags; --help prints its usage with the
// settings it reads. It returns errUsage after printing help or an error.
func parseFlags(fs *flag.FlagSet, args []string, summary string, settings bool, stdout, stderr io.Writer) error {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "%s\n", summary)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(out, "\nFlags:")
			fs.PrintDefaults()
		}
		if settings {
			fmt.Fprintln(out, "\nEnvironment:")
			for _, s := range config.Settings {
				def := s.Default
				if def == "" {
					def = "-"
				}
				fmt.Fprintf(out, "  %-28s %s (default %s)\n", s.Env, s.Help, def)
			}
		}
	}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return errHelp
	}
	if err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "legalbot: unexpected argument %q\n", strings.Join(fs.Args(), " "))
		return errUsage
	}
	return nil
}

// errHelp means --help was asked for and printed: success.
var errHelp = errors.New("help shown")

func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}
