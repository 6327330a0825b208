package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// RedisTarget is a parsed REDIS_URL: one address for a single server, several
// for a Cluster, or Sentinel addresses plus a master name.
type RedisTarget struct {
	Addrs      []string
	MasterName string
	DB         int
	Username   string
	Password   string
	TLS        bool
}

// ParseRedisURL parses redis://[user:password@]host:port[,host:port…]/db[?master_name=NAME].
// rediss:// turns TLS on.
func ParseRedisURL(raw string) (RedisTarget, error) {
	var t RedisTarget
	u, err := url.Parse(raw)
	if err != nil {
		return t, fmt.Errorf("not a URL: %v", err)
	}
	switch u.Scheme {
	case "redis":
	case "rediss":
		t.TLS = true
	default:
		return t, fmt.Errorf("scheme must be redis:// or rediss://, got %q", u.Scheme+"://")
	}
	if u.Host == "" {
		return t, fmt.Errorf("no host in %q", raw)
	}
	for _, h := range strings.Split(u.Host, ",") {
		if h == "" {
			continue
		}
		if !strings.Contains(h, ":") {
			h += ":6379"
		}
		t.Addrs = append(t.Addrs, h)
	}
	if u.User != nil {
		t.Username = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 {
			return t, fmt.Errorf("database must be a number, got %q", db)
		}
		t.DB = n
	}
	q := u.Query()
	t.MasterName = q.Get("master_name")
	for k := range q {
		if k != "master_name" {
			return t, fmt.Errorf("unknown parameter %q (only master_name)", k)
		}
	}
	if len(t.Addrs) > 1 && t.MasterName == "" && t.DB != 0 {
		return t, fmt.Errorf("a Redis Cluster has only database 0")
	}
	return t, nil
}
