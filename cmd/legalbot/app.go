package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/legalbot/legalbot/bot"
	"github.com/legalbot/legalbot/config"
	"github.com/legalbot/legalbot/handoff"
	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/statutes"
	"github.com/legalbot/legalbot/store"
	"github.com/redis/go-redis/v9"
)

// app is the wired program: configuration, Redis, knowledge base, engine.
type app struct {
	cfg      config.Config
	log      *slog.Logger
	rdb      redis.UniversalClient
	embedded *miniredis.Miniredis // non-nil when running on the embedded Redis
	kb       *knowledge.KB
	index    *knowledge.Index
	sessions *store.Sessions
	engine   *bot.Engine
}

// newHandoff builds the handoff from the roster in Redis, so that every
// replica works from the same roster; "legalbot roster apply" replaces it
// while they run (Engine.WatchRoster). A configuration with lawyers seeds
// its roster first. One without lawyers takes the roster Redis has, if
// any, and otherwise starts with none: the handoff is off until a roster
// with lawyers is applied, with no restart.
func newHandoff(ctx context.Context, cfg config.Config, rdb redis.UniversalClient, retention time.Duration, log *slog.Logger) (*bot.Handoff, error) {
	cases := store.NewCases(rdb, "", retention, time.Now)
	doc, err := handoff.Doc(cfg.Handoff)
	if err != nil {
		return nil, err
	}
	if len(cfg.Handoff.Lawyers) > 0 {
		if err := cases.SaveRoster(ctx, doc); err != nil {
			return nil, fmt.Errorf("seed roster: %w", err)
		}
	}
	switch stored, err := cases.Roster(ctx); {
	case err != nil && len(cfg.Handoff.Lawyers) > 0:
		return nil, fmt.Errorf("load roster: %w", err)
	case err != nil:
		// Nothing to hand off yet; the roster watch retries.
		log.Warn("roster not loaded; the handoff stays off until it is", "err", err)
	case len(stored) > 0:
		doc = stored
	}
	ho := &bot.Handoff{Cases: cases, Signals: bot.DefaultDetector()}
	if err := ho.UseRoster(doc); err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	return ho, nil
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// newApp wires everything from cfg. Close releases what it opened.
func newApp(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log}
	var err error
	if cfg.Redis.URL == "" {
		a.embedded = miniredis.NewMiniRedis()
		if err := a.embedded.Start(); err != nil {
			return nil, fmt.Errorf("start embedded Redis: %w", err)
		}
		a.rdb = redis.NewClient(&redis.Options{Addr: a.embedded.Addr()})
	} else if a.rdb, err = store.Open(ctx, cfg.Redis.URL); err != nil {
		return nil, err
	}

	kbFS := knowledge.BuiltinFS()
	if cfg.Knowledge.Dir != "" {
		kbFS = os.DirFS(cfg.Knowledge.Dir)
	}
	kb, problems, err := knowledge.LoadFS(kbFS, time.Now())
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("load knowledge base: %w", err)
	}
	for _, p := range problems {
		log.Warn("knowledge base", "problem", p.String())
	}
	lex, err := knowledge.LoadLexicon(kbFS)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("load knowledge base: %w", err)
	}
	a.kb = kb
	a.index = knowledge.NewIndex(kb, knowledge.NewAnalyzer(lex))
	// Building a large index takes about as much scratch memory again as the
	// index itself; hand it back to the system now rather than whenever the
	// runtime gets round to it (50,000 entries: 537 MB peak, 326 MB after).
	debug.FreeOSMemory()

	retention := time.Duration(cfg.Session.Retention)
	texts, err := bot.DefaultCatalog(map[string]string{
		"hotline":   cfg.Service.Hotline,
		"service":   cfg.Service.Name,
		"retention": strconv.Itoa(int(retention.Hours() / 24)),
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.sessions = store.NewSessions(a.rdb, retention, time.Now)
	ho, err := newHandoff(ctx, cfg, a.rdb, retention, log)
	if err != nil {
		a.Close()
		return nil, err
	}
	var laws bot.Statutes
	if dir := cfg.Knowledge.StatutesDir; dir != "" {
		lib, err := statutes.Load(os.DirFS(dir))
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("LEGALBOT_STATUTES_DIR: %w", err)
		}
		for _, p := range lib.CheckProblems(kb) {
			log.Warn("knowledge base citation", "problem", p.String())
		}
		laws = lib
	}
	a.engine = bot.New(bot.Config{
		Signals:     bot.DefaultDetector(),
		Emergency:   cfg.Handoff.Emergency,
		Statutes:    laws,
		Handoff:     ho,
		KB:          kb,
		Searcher:    a.index,
		Policy:      bot.PolicyOf(cfg.Policy),
		Sessions:    a.sessions,
		Texts:       texts,
		Log:         log,
		DefaultLang: cfg.Language.Default,
		MaxTurns:    cfg.Session.MaxTurns,
	})
	return a, nil
}

// ready reports whether Redis answers and the knowledge base is loaded.
func (a *app) readyRedis(ctx context.Context) error { return a.rdb.Ping(ctx).Err() }

func (a *app) readyKB(ctx context.Context) error {
	if a.index == nil || a.index.Len() == 0 {
		return fmt.Errorf("knowledge base empty")
	}
	return nil
}

// Close closes Redis (and stops the embedded one).
func (a *app) Close() {
	if a.rdb != nil {
		a.rdb.Close()
	}
	if a.embedded != nil {
		a.embedded.Close()
	}
}

const embeddedRedisWarning = `WARNING: REDIS_URL is not set: using an embedded in-process Redis.
WARNING: nothing persists — sessions vanish when the process stops, and replicas cannot share state.
WARNING: set REDIS_URL=redis://host:6379/0 for real use.`
