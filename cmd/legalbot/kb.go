package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/statutes"
)

const kbUsage = `Usage: legalbot kb COMMAND

Commands:
  validate [--dir DIR] [--statutes DIR]   check the knowledge base (embedded, or DIR) and report
                                          every problem with file, line and field; exit 1 on errors
`

func runKB(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, kbUsage)
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, kbUsage)
		return nil
	case "validate":
		return runKBValidate(args[1:], getenv, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "legalbot kb: unknown command %q\n\n%s", args[0], kbUsage)
		return errUsage
	}
}

func runKBValidate(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb validate", flag.ContinueOnError)
	dir := fs.String("dir", getenv("LEGALBOT_KB_DIR"), "knowledge-base folder (default: the embedded one)")
	statutesDir := fs.String("statutes", getenv("LEGALBOT_STATUTES_DIR"), "statutes folder to resolve citations against")
	if err := parseFlags(fs, args, "Usage: legalbot kb validate [--dir DIR] [--statutes DIR]", false, stdout, stderr); err != nil {
		return helpOK(err)
	}
	kbFS := knowledge.BuiltinFS()
	if *dir != "" {
		kbFS = os.DirFS(*dir)
	}
	kb, problems, _ := knowledge.LoadFS(kbFS, time.Now())
	if _, err := knowledge.LoadLexicon(kbFS); err != nil {
		problems = append(problems, knowledge.Problem{File: knowledge.LexiconFile, Msg: err.Error()})
	}
	if *statutesDir != "" && kb != nil {
		lib, err := statutes.Load(os.DirFS(*statutesDir))
		if err != nil {
			return err
		}
		problems = append(problems, lib.CheckProblems(kb)...)
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p.String())
	}
	errs := len(problems.Errors())
	n := 0
	if kb != nil {
		n = len(kb.Entries)
	}
	fmt.Fprintf(stdout, "%d entries, %d errors, %d warnings\n", n, errs, len(problems)-errs)
	if errs > 0 {
		return fmt.Errorf("knowledge base has %d errors", errs)
	}
	return nil
}
