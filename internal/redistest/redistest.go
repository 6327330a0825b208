// Package redistest gives tests a Redis: the real one named by REDIS_URL
// when set (CI points it at a dedicated, flushed database), an in-process
// miniredis otherwise. Tests sharing a real Redis must use keys of their
// own (random citizen and bot ids), never FLUSHDB: packages run in parallel.
package redistest

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/legalbot/legalbot/store"
	"github.com/redis/go-redis/v9"
)

// Redis is a test Redis.
type Redis struct {
	Client redis.UniversalClient
	// URL is a REDIS_URL for this Redis, for tests that start the program.
	URL string
	// Mini is the miniredis behind Client, nil on a real Redis.
	Mini *miniredis.Miniredis
}

// Real reports whether tests run against a real Redis.
func (r *Redis) Real() bool { return r.Mini == nil }

// New returns a Redis closed at the end of the test.
func New(tb testing.TB) *Redis {
	tb.Helper()
	if url := os.Getenv("REDIS_URL"); url != "" {
		rdb, err := store.Open(context.Background(), url)
		if err != nil {
			tb.Fatalf("REDIS_URL is set but Redis is unreachable: %v", err)
		}
		tb.Cleanup(func() { rdb.Close() })
		return &Redis{Client: rdb, URL: url}
	}
	m := miniredis.RunT(tb)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	tb.Cleanup(func() { rdb.Close() })
	return &Redis{Client: rdb, URL: "redis://" + m.Addr() + "/0", Mini: m}
}

// ID returns a random positive id, for citizens and bots no other test uses.
func ID() int64 { return 1_000_000 + rand.Int64N(1<<40) }
