package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/legalbot/legalbot/bot"
	"github.com/legalbot/legalbot/config"
)

const chatSummary = `Usage: legalbot chat

Talk to the bot on the terminal: each line you type is a message; buttons are
shown as numbered options, answered by typing the number. EOF (Ctrl-D) ends.`

// runChat is the terminal channel: the same engine as Telegram, one citizen.
func runChat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, banner bool) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	if err := parseFlags(fs, args, chatSummary, true, stdout, stderr); err != nil {
		return helpOK(err)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger("warn", stderr)
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.embedded != nil && !banner {
		fmt.Fprintln(stderr, embeddedRedisWarning)
	}
	if banner {
		redisNote := "an embedded in-memory Redis (nothing persists; set REDIS_URL=redis://host:6379/0 to keep sessions)"
		if a.embedded == nil {
			redisNote = "Redis at REDIS_URL"
		}
		fmt.Fprintf(stdout, `legalbot — terminal chat
Running on the embedded knowledge base (%d published entries, %d topics) and %s.
To serve citizens on Telegram, set TELEGRAM_TOKEN (from @BotFather) and run legalbot serve.
Type a question, /help for commands, Ctrl-D to quit.

`, a.index.Len(), len(a.kb.Categories), redisNote)
	}
	return chatLoop(ctx, a.engine, "cli:local", stdin, stdout)
}

// chatLoop reads messages line by line and prints the engine's replies.
func chatLoop(ctx context.Context, engine *bot.Engine, citizen string, stdin io.Reader, stdout io.Writer) error {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var options []bot.Button // the buttons last shown, numbered from 1
	fmt.Fprint(stdout, "> ")
	for sc.Scan() {
		if ctx.Err() != nil {
			return nil
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			fmt.Fprint(stdout, "> ")
			continue
		}
		in := bot.Incoming{Citizen: citizen, Text: line}
		if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(options) {
			in = bot.Incoming{Citizen: citizen, Callback: options[n-1].Data}
		}
		resp, _ := engine.Handle(ctx, in) // errors are logged; the response is still shown
		options = printResponse(stdout, resp)
		fmt.Fprint(stdout, "> ")
	}
	fmt.Fprintln(stdout)
	return sc.Err()
}

func printResponse(w io.Writer, resp bot.Response) []bot.Button {
	var options []bot.Button
	if resp.Notice != "" {
		fmt.Fprintf(w, "(%s)\n", resp.Notice)
	}
	for _, r := range resp.Replies {
		if r.Title != "" {
			fmt.Fprintf(w, "【%s】\n", r.Title)
		}
		fmt.Fprintln(w, r.Text)
		for _, row := range r.Buttons {
			for _, b := range row {
				options = append(options, b)
				fmt.Fprintf(w, "  [%d] %s\n", len(options), b.Label)
			}
		}
		fmt.Fprintln(w)
	}
	return options
}
