// Package config holds legalbot's settings: their defaults, how they are read
// from the environment and an optional YAML file, and their validation.
//
// Precedence: defaults, then the YAML file named by LEGALBOT_CONFIG, then
// environment variables. Every problem is reported at once, each naming the
// variable or the file key, so an operator fixes a bad deployment in one go.
// The package knows nothing about Telegram, Redis or the knowledge base; it
// only checks that values are well-formed.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultAPIEndpoint is telegram-bot-api's endpoint format for the official Bot API.
const DefaultAPIEndpoint = "https://api.telegram.org/bot%s/%s"

// Config is the whole of legalbot's configuration. Field tags name the YAML
// keys; Setting documents the matching environment variables.
type Config struct {
	Telegram  Telegram  `yaml:"telegram"`
	Redis     Redis     `yaml:"redis"`
	HTTP      HTTP      `yaml:"http"`
	Session   Session   `yaml:"session"`
	Language  Language  `yaml:"language"`
	Policy    Policy    `yaml:"policy"`
	Knowledge Knowledge `yaml:"knowledge"`
	Service   Service   `yaml:"service"`
	Handoff   Handoff   `yaml:"handoff"`
	Log       Log       `yaml:"log"`

	// File is the YAML file the configuration was read from, if any.
	File string `yaml:"-"`
}

// Telegram configures the Telegram channel.
type Telegram struct {
	Token         string `yaml:"token"`
	APIEndpoint   string `yaml:"api_endpoint"`
	WebhookURL    string `yaml:"webhook_url"`
	WebhookSecret string `yaml:"webhook_secret"`
	// Workers is how many chats are handled concurrently by one replica.
	Workers int `yaml:"workers"`
}

// Redis configures the session store. An empty URL means an embedded,
// in-process Redis (miniredis) that persists nothing.
type Redis struct {
	URL string `yaml:"url"`
}

// HTTP configures the HTTP server for health checks and the webhook.
type HTTP struct {
	Addr string `yaml:"addr"`
}

// Session configures what is kept about a citizen.
type Session struct {
	// Retention is the TTL of every personal record in Redis.
	Retention Duration `yaml:"retention"`
	// MaxTurns caps the stored conversation turns.
	MaxTurns int `yaml:"max_turns"`
}

// Language configures the citizen-facing languages.
type Language struct {
	Default string `yaml:"default"`
}

// Policy holds the thresholds of the answer / suggest / decline policy.
type Policy struct {
	// Answer is the minimum certainty (estimated probability that the top
	// entry answers the question) for giving an entry's answer outright.
	Answer float64 `yaml:"answer"`
	// Suggest is the minimum confidence for offering entries as "did you mean".
	Suggest float64 `yaml:"suggest"`
	// Margin is the minimum relative lead of the top hit over the runner-up
	// for an outright answer.
	Margin float64 `yaml:"margin"`
	// DeclineBelow is the certainty below which the bot declines (and offers
	// a lawyer) rather than suggest entries that merely share some words.
	DeclineBelow float64 `yaml:"decline_below"`
}

// Knowledge configures where the knowledge base and statutes come from.
type Knowledge struct {
	// Dir, when set, replaces the embedded knowledge base with YAML files from disk.
	Dir string `yaml:"dir"`
	// StatutesDir, when set, is a folder of statute texts used to show articles.
	StatutesDir string `yaml:"statutes_dir"`
}

// Service describes the office running the bot: names and numbers citizens see.
type Service struct {
	Name    string `yaml:"name"`
	Hotline string `yaml:"hotline"`
}

// Log configures logging.
type Log struct {
	Level string `yaml:"level"`
	// Messages, when true, logs citizens' message texts. Off by default:
	// they are personal data.
	Messages bool `yaml:"messages"`
}

// Duration is a time.Duration that reads "30d", "720h" or "15m" from YAML.
type Duration time.Duration

// UnmarshalYAML accepts Go durations plus a "d" suffix for days.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as UnmarshalYAML reads it ("5m0s").
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use e.g. 30d, 720h, 15m)", s)
	}
	return v, nil
}

// Default returns the configuration legalbot runs on when nothing is set.
func Default() Config {
	return Config{
		Telegram: Telegram{APIEndpoint: DefaultAPIEndpoint, Workers: 64},
		HTTP:     HTTP{Addr: "127.0.0.1:8080"},
		Session:  Session{Retention: Duration(30 * 24 * time.Hour), MaxTurns: 10},
		Language: Language{Default: "zh"},
		Policy:   Policy{Answer: 0.70, Suggest: 0.30, Margin: 0.02, DeclineBelow: 0.10},
		Service:  Service{Name: "", Hotline: "12348"},
		Handoff:  Handoff{Timezone: "Asia/Shanghai", ClaimWithin: Duration(5 * time.Minute), Emergency: defaultEmergency()},
		Log:      Log{Level: "info"},
	}
}

// Setting documents one environment variable.
type Setting struct {
	Env     string
	YAML    string
	Default string
	Help    string
	apply   func(c *Config, v string) error
}

// Settings lists every environment variable legalbot reads, in the order the
// README documents them.
var Settings = []Setting{
	{"TELEGRAM_TOKEN", "telegram.token", "", "Bot token from @BotFather. When set, `legalbot` runs `serve`.",
		func(c *Config, v string) error { c.Telegram.Token = v; return nil }},
	{"TELEGRAM_API_ENDPOINT", "telegram.api_endpoint", DefaultAPIEndpoint, "Bot API endpoint format (token, method); for self-hosted Bot API servers and tests.",
		func(c *Config, v string) error { c.Telegram.APIEndpoint = v; return nil }},
	{"TELEGRAM_WEBHOOK_URL", "telegram.webhook_url", "", "Public HTTPS URL of the webhook; empty means long polling. Its path is served on LEGALBOT_HTTP_ADDR.",
		func(c *Config, v string) error { c.Telegram.WebhookURL = v; return nil }},
	{"TELEGRAM_WEBHOOK_SECRET", "telegram.webhook_secret", "(random)", "Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; generated at start when empty.",
		func(c *Config, v string) error { c.Telegram.WebhookSecret = v; return nil }},
	{"TELEGRAM_WORKERS", "telegram.workers", "64", "Chats handled concurrently per replica (updates of one chat stay in order).",
		func(c *Config, v string) error { return atoi(v, &c.Telegram.Workers) }},
	{"REDIS_URL", "redis.url", "(embedded)", "redis://[:password@]host:port/db; several hosts separated by commas make a Cluster, `?master_name=` a Sentinel set. Empty: embedded in-process Redis, nothing persists.",
		func(c *Config, v string) error { c.Redis.URL = v; return nil }},
	{"LEGALBOT_HTTP_ADDR", "http.addr", "127.0.0.1:8080", "Address of the HTTP server (/healthz, /readyz, webhook).",
		func(c *Config, v string) error { c.HTTP.Addr = v; return nil }},
	{"LEGALBOT_CONFIG", "", "", "Optional YAML file with any of these settings (keys as in the YAML column); unknown keys are an error.",
		func(c *Config, v string) error { return nil }},
	{"LEGALBOT_SESSION_RETENTION", "session.retention", "30d", "TTL of every personal record (sessions, feedback by citizen).",
		func(c *Config, v string) error {
			d, err := parseDuration(v)
			c.Session.Retention = Duration(d)
			return err
		}},
	{"LEGALBOT_MAX_TURNS", "session.max_turns", "10", "Conversation turns kept per citizen for follow-up questions.",
		func(c *Config, v string) error { return atoi(v, &c.Session.MaxTurns) }},
	{"LEGALBOT_DEFAULT_LANG", "language.default", "zh", "Language for citizens whose Telegram language is neither zh nor en.",
		func(c *Config, v string) error { c.Language.Default = v; return nil }},
	{"LEGALBOT_ANSWER_THRESHOLD", "policy.answer", "0.70", "Minimum certainty (0–1: estimated probability that the top entry answers the question) to answer outright.",
		func(c *Config, v string) error { return atof(v, &c.Policy.Answer) }},
	{"LEGALBOT_SUGGEST_THRESHOLD", "policy.suggest", "0.30", "Minimum confidence (0–1) to suggest entries; below it the bot declines.",
		func(c *Config, v string) error { return atof(v, &c.Policy.Suggest) }},
	{"LEGALBOT_ANSWER_MARGIN", "policy.margin", "0.02", "Minimum relative lead of the top entry over the second for an outright answer.",
		func(c *Config, v string) error { return atof(v, &c.Policy.Margin) }},
	{"LEGALBOT_DECLINE_BELOW", "policy.decline_below", "0.10", "Certainty (0–1) below which the bot declines and offers a lawyer instead of suggesting entries.",
		func(c *Config, v string) error { return atof(v, &c.Policy.DeclineBelow) }},
	{"LEGALBOT_KB_DIR", "knowledge.dir", "(embedded)", "Folder of knowledge-base YAML files to use instead of the embedded one.",
		func(c *Config, v string) error { c.Knowledge.Dir = v; return nil }},
	{"LEGALBOT_STATUTES_DIR", "knowledge.statutes_dir", "", "Folder of statute texts (format of shared/statutes) to check citations against.",
		func(c *Config, v string) error { c.Knowledge.StatutesDir = v; return nil }},
	{"LEGALBOT_SERVICE_NAME", "service.name", "", "Name of the office running the bot, shown in the welcome.",
		func(c *Config, v string) error { c.Service.Name = v; return nil }},
	{"LEGALBOT_HOTLINE", "service.hotline", "12348", "Public legal services hotline shown to citizens.",
		func(c *Config, v string) error { c.Service.Hotline = v; return nil }},
	{"LEGALBOT_LOG_LEVEL", "log.level", "info", "debug, info, warn or error.",
		func(c *Config, v string) error { c.Log.Level = v; return nil }},
	{"LEGALBOT_LOG_MESSAGES", "log.messages", "false", "Log citizens' message texts (personal data; off by default).",
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			c.Log.Messages = b
			return err
		}},
}

func atoi(v string, dst *int) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("not an integer: %q", v)
	}
	*dst = n
	return nil
}

func atof(v string, dst *float64) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return fmt.Errorf("not a number: %q", v)
	}
	*dst = f
	return nil
}

// Load builds the configuration from defaults, the YAML file named by
// LEGALBOT_CONFIG (if any) and the environment, then validates it. The error
// lists every problem found.
func Load(getenv func(string) string) (Config, error) {
	c := Default()
	if path := getenv("LEGALBOT_CONFIG"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("LEGALBOT_CONFIG: %w", err)
		}
		if err := decodeYAML(data, &c); err != nil {
			return c, fmt.Errorf("LEGALBOT_CONFIG %s: %w", path, err)
		}
		c.File = path
	}
	var errs []error
	for _, s := range Settings {
		v, ok := lookup(getenv, s.Env)
		if !ok {
			continue
		}
		if err := s.apply(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Env, err))
		}
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

func decodeYAML(data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Validate reports every invalid value, naming its environment variable.
func (c Config) Validate() error {
	var errs []error
	bad := func(env, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", env, fmt.Sprintf(format, args...)))
	}
	if ep := c.Telegram.APIEndpoint; strings.Count(ep, "%s") != 2 {
		bad("TELEGRAM_API_ENDPOINT", "must contain two %%s (token, method), like %s; got %q", DefaultAPIEndpoint, ep)
	}
	if c.Telegram.Token != "" && !strings.Contains(c.Telegram.Token, ":") {
		bad("TELEGRAM_TOKEN", "does not look like a bot token (expected 123456:ABC…)")
	}
	if u := c.Telegram.WebhookURL; u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			bad("TELEGRAM_WEBHOOK_URL", "must be an absolute https URL, got %q", u)
		}
	}
	if s := c.Telegram.WebhookSecret; s != "" && !validSecret(s) {
		bad("TELEGRAM_WEBHOOK_SECRET", "must be 1–256 characters of A-Z, a-z, 0-9, _ and -")
	}
	if c.Telegram.Workers < 1 || c.Telegram.Workers > 4096 {
		bad("TELEGRAM_WORKERS", "must be between 1 and 4096, got %d", c.Telegram.Workers)
	}
	if u := c.Redis.URL; u != "" {
		if _, err := ParseRedisURL(u); err != nil {
			bad("REDIS_URL", "%v", err)
		}
	}
	if c.HTTP.Addr == "" || !strings.Contains(c.HTTP.Addr, ":") {
		bad("LEGALBOT_HTTP_ADDR", "must be host:port, got %q", c.HTTP.Addr)
	}
	if r := time.Duration(c.Session.Retention); r < time.Hour {
		bad("LEGALBOT_SESSION_RETENTION", "must be at least 1h, got %s", r)
	}
	if c.Session.MaxTurns < 1 || c.Session.MaxTurns > 100 {
		bad("LEGALBOT_MAX_TURNS", "must be between 1 and 100, got %d", c.Session.MaxTurns)
	}
	if l := c.Language.Default; l != "zh" && l != "en" {
		bad("LEGALBOT_DEFAULT_LANG", "must be zh or en, got %q", l)
	}
	p := c.Policy
	if p.Answer <= 0 || p.Answer > 1 {
		bad("LEGALBOT_ANSWER_THRESHOLD", "must be in (0, 1], got %g", p.Answer)
	}
	if p.Suggest <= 0 || p.Suggest > 1 {
		bad("LEGALBOT_SUGGEST_THRESHOLD", "must be in (0, 1], got %g", p.Suggest)
	}
	if p.DeclineBelow < 0 || p.DeclineBelow >= p.Answer {
		bad("LEGALBOT_DECLINE_BELOW", "must be in [0, answer threshold %g), got %g", p.Answer, p.DeclineBelow)
	}
	if p.Margin < 0 || p.Margin >= 1 {
		bad("LEGALBOT_ANSWER_MARGIN", "must be in [0, 1), got %g", p.Margin)
	}
	for _, d := range []struct{ env, dir string }{{"LEGALBOT_KB_DIR", c.Knowledge.Dir}, {"LEGALBOT_STATUTES_DIR", c.Knowledge.StatutesDir}} {
		if d.dir == "" {
			continue
		}
		if st, err := os.Stat(d.dir); err != nil || !st.IsDir() {
			bad(d.env, "%q is not a readable folder", d.dir)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("LEGALBOT_LOG_LEVEL", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	if err := c.Handoff.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func validSecret(s string) bool {
	if len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
