// Command legalbot is a public legal-services chat bot: citizens ask legal
// questions on Telegram (or the terminal) and get curated, cited answers.
//
// main only wires the process to run; run is what tests call.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "legalbot:", err)
		}
		os.Exit(1)
	}
}
