package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/legalbot/legalbot/bot"
	"github.com/legalbot/legalbot/bot/telegram"
	"github.com/legalbot/legalbot/config"
	"github.com/legalbot/legalbot/store"
	"github.com/legalbot/legalbot/web"
)

const serveSummary = `Usage: legalbot serve

Run the bot on Telegram: long polling, or a webhook when TELEGRAM_WEBHOOK_URL
is set (served on LEGALBOT_HTTP_ADDR at that URL's path). /healthz and /readyz
are served on LEGALBOT_HTTP_ADDR. SIGINT/SIGTERM stop intake, finish the
updates in flight and close Redis.`

// updateClaimTTL is how long an update stays marked as processed; Telegram
// gives up redelivering long before.
const updateClaimTTL = 24 * time.Hour

// timerInterval is how often a replica looks for due handoff timers.
const timerInterval = 5 * time.Second

// rosterInterval is how often a replica looks for a new roster in Redis
// ("legalbot roster apply"); a variable for tests.
var rosterInterval = 30 * time.Second

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := parseFlags(fs, args, serveSummary, true, stdout, stderr); err != nil {
		return helpOK(err)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if cfg.Telegram.Token == "" {
		return errors.New("TELEGRAM_TOKEN: required for serve (get one from @BotFather), or use legalbot chat")
	}
	log := newLogger(cfg.Log.Level, stderr)
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.embedded != nil {
		fmt.Fprintln(stderr, embeddedRedisWarning)
	}

	ch, err := telegram.New(telegram.Options{
		Token:       cfg.Telegram.Token,
		Endpoint:    cfg.Telegram.APIEndpoint,
		Workers:     cfg.Telegram.Workers,
		Log:         log,
		LogMessages: cfg.Log.Messages,
		Locks:       store.NewChatLocks(a.rdb),
	}, a.engine, store.NewUpdates(a.rdb, updateClaimTTL))
	if err != nil {
		return err
	}
	a.engine.SetOutbox(ch)
	go ch.SetCommands(ctx, bot.Commands, a.engine.Languages(), cfg.Language.Default, a.engine.CommandDescription)

	var webhook http.Handler
	webhookPath := ""
	if cfg.Telegram.WebhookURL != "" {
		secret := cfg.Telegram.WebhookSecret
		if secret == "" {
			secret = randomSecret()
		}
		u, _ := url.Parse(cfg.Telegram.WebhookURL) // validated by config
		webhookPath = u.Path
		if webhookPath == "" {
			webhookPath = "/"
		}
		webhook = ch.WebhookHandler(secret)
		// The webhook stays registered at shutdown: the next replica or
		// restart takes over without Telegram dropping updates.
		if err := ch.SetWebhook(cfg.Telegram.WebhookURL, secret); err != nil {
			ch.Close(context.Background())
			return err
		}
	}

	srv := &http.Server{
		Handler: web.NewServer([]web.Check{
			{Name: "redis", Ready: a.readyRedis},
			{Name: "knowledge", Ready: a.readyKB},
		}, "POST "+webhookPath, webhook),
		ReadHeaderTimeout: 5 * time.Second,
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		ch.Close(context.Background())
		return fmt.Errorf("LEGALBOT_HTTP_ADDR: %w", err)
	}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()

	intake, stopIntake := context.WithCancel(ctx)
	defer stopIntake()
	pollDone := make(chan error, 1)
	mode := "webhook"
	if webhook == nil {
		mode = "polling"
		go func() { pollDone <- ch.Poll(intake) }()
	}
	timersDone := make(chan struct{})
	go func() { a.engine.RunTimers(intake, timerInterval); close(timersDone) }()
	go a.engine.WatchRoster(intake, rosterInterval)
	log.Info("legalbot serving", "mode", mode, "bot", ch.Username(), "http", ln.Addr().String(),
		"entries", a.index.Len())

	select {
	case <-ctx.Done():
	case err := <-srvErr:
		log.Error("http server stopped", "err", err)
	}

	// Shutdown: stop intake, finish in-flight updates, then close Redis (deferred).
	log.Info("shutting down")
	stopIntake()
	if webhook == nil {
		<-pollDone
	}
	<-timersDone
	drain, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	// In webhook mode the HTTP server is the intake, so it stops first; in
	// polling mode it only serves probes and stops last.
	if webhook != nil {
		srv.Shutdown(drain)
	}
	if err := ch.Close(drain); err != nil {
		log.Error("drain updates", "err", err)
	}
	if webhook == nil {
		srv.Shutdown(drain)
	}
	log.Info("stopped")
	return nil
}

func randomSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
