package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:8080" || time.Duration(c.Session.Retention) != 30*24*time.Hour ||
		c.Language.Default != "zh" || c.Telegram.APIEndpoint != DefaultAPIEndpoint || c.Service.Hotline != "12348" || c.Log.Messages {
		t.Errorf("defaults: %+v", c)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	c, err := Load(env("TELEGRAM_TOKEN", "1:abc", "REDIS_URL", "redis://:pw@h:6380/2", "LEGALBOT_SESSION_RETENTION", "7d",
		"LEGALBOT_DEFAULT_LANG", "en", "LEGALBOT_ANSWER_THRESHOLD", "0.7", "LEGALBOT_LOG_MESSAGES", "true"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Telegram.Token != "1:abc" || time.Duration(c.Session.Retention) != 7*24*time.Hour || c.Language.Default != "en" || c.Policy.Answer != 0.7 || !c.Log.Messages {
		t.Errorf("overrides not applied: %+v", c)
	}
}

func TestYAMLFileAndPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "legalbot.yaml")
	os.WriteFile(path, []byte("service:\n  name: 某某区法律援助中心\n  hotline: \"12348\"\nsession:\n  retention: 720h\nlanguage:\n  default: en\n"), 0o600)
	c, err := Load(env("LEGALBOT_CONFIG", path, "LEGALBOT_DEFAULT_LANG", "zh"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Service.Name != "某某区法律援助中心" || time.Duration(c.Session.Retention) != 720*time.Hour || c.Language.Default != "zh" {
		t.Errorf("file values or env precedence wrong: %+v", c)
	}
	os.WriteFile(path, []byte("service:\n  nmae: x\n"), 0o600)
	if _, err := Load(env("LEGALBOT_CONFIG", path)); err == nil || !strings.Contains(err.Error(), "nmae") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("unknown key: err = %v, want one naming the key and its line", err)
	}
}

// All problems are reported at once, each naming its variable.
func TestValidationNamesEveryVariable(t *testing.T) {
	_, err := Load(env("LEGALBOT_DEFAULT_LANG", "fr", "TELEGRAM_WORKERS", "0", "LEGALBOT_SUGGEST_THRESHOLD", "1.5", "LEGALBOT_DECLINE_BELOW", "0.8",
		"TELEGRAM_WEBHOOK_SECRET", "has spaces", "LEGALBOT_LOG_LEVEL", "loud", "LEGALBOT_MAX_TURNS", "x"))
	if err == nil {
		t.Fatal("want errors")
	}
	for _, v := range []string{"LEGALBOT_DEFAULT_LANG", "TELEGRAM_WORKERS", "LEGALBOT_SUGGEST_THRESHOLD", "LEGALBOT_DECLINE_BELOW", "TELEGRAM_WEBHOOK_SECRET", "LEGALBOT_LOG_LEVEL", "LEGALBOT_MAX_TURNS"} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("error does not name %s:\n%v", v, err)
		}
	}
}

func TestParseRedisURL(t *testing.T) {
	cases := []struct {
		in   string
		want RedisTarget
		err  bool
	}{
		{in: "redis://127.0.0.1:6379/3", want: RedisTarget{Addrs: []string{"127.0.0.1:6379"}, DB: 3}},
		{in: "rediss://user:pw@h", want: RedisTarget{Addrs: []string{"h:6379"}, Username: "user", Password: "pw", TLS: true}},
		{in: "redis://s1:26379,s2:26379/0?master_name=mymaster", want: RedisTarget{Addrs: []string{"s1:26379", "s2:26379"}, MasterName: "mymaster"}},
		{in: "redis://c1:7000,c2:7000", want: RedisTarget{Addrs: []string{"c1:7000", "c2:7000"}}},
		{in: "redis://c1:7000,c2:7000/4", err: true},
		{in: "http://h", err: true},
		{in: "redis:///0", err: true},
		{in: "redis://h/x", err: true},
		{in: "redis://h?pool=3", err: true},
	}
	for _, tc := range cases {
		got, err := ParseRedisURL(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("%s: err = %v", tc.in, err)
			continue
		}
		if !tc.err && strings.Join(got.Addrs, ",") != strings.Join(tc.want.Addrs, ",") || got.DB != tc.want.DB || got.MasterName != tc.want.MasterName || got.Password != tc.want.Password || got.TLS != tc.want.TLS {
			if !tc.err {
				t.Errorf("%s: got %+v, want %+v", tc.in, got, tc.want)
			}
		}
	}
}
