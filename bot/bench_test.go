package bot_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/legalbot/legalbot/bot"
	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/store"
)

// memSessions is an in-memory session store, so the benchmark measures the
// engine's own work without Redis's network time.
type memSessions struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memSessions) Load(_ context.Context, c string) (*store.Session, error) {
	s.mu.Lock()
	data := s.m[c]
	s.mu.Unlock()
	sess := &store.Session{Citizen: c}
	if data != nil {
		json.Unmarshal(data, sess)
	}
	return sess, nil
}

func (s *memSessions) Save(_ context.Context, sess *store.Session) error {
	data, _ := json.Marshal(sess) // the store encodes the same way
	s.mu.Lock()
	s.m[sess.Citizen] = data
	s.mu.Unlock()
	return nil
}

func (s *memSessions) Forget(_ context.Context, c string) error { return nil }
func (s *memSessions) RecordFeedback(context.Context, string, string, store.Vote) (bool, error) {
	return true, nil
}

func benchQueries(b *testing.B) []string {
	files, _ := filepath.Glob("../knowledge/testdata/*.jsonl")
	var qs []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var q struct{ Query string }
			if json.Unmarshal(sc.Bytes(), &q) == nil && q.Query != "" {
				qs = append(qs, q.Query)
			}
		}
		fh.Close()
	}
	if len(qs) == 0 {
		b.Fatal("no queries in knowledge/testdata")
	}
	return qs
}

// BenchmarkHandleMessage measures the engine's processing of one citizen
// message (session decode, search, policy, rendering, session encode) on
// the built-in knowledge base, over the evaluation queries, and reports
// the latency percentiles: go test -bench HandleMessage ./bot/
func BenchmarkHandleMessage(b *testing.B) {
	kb, _, err := knowledge.Builtin(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	lex, _ := knowledge.LoadLexicon(knowledge.BuiltinFS())
	e := bot.New(bot.Config{
		KB: kb, Searcher: knowledge.NewIndex(kb, knowledge.NewAnalyzer(lex)), Policy: testPolicy,
		Sessions: &memSessions{m: map[string][]byte{}}, Texts: texts(b),
	})
	qs := benchQueries(b)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in := bot.Incoming{Citizen: fmt.Sprintf("bench:%d", i%50), Text: qs[i%len(qs)]}
		start := time.Now()
		if _, err := e.Handle(ctx, in); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(len(kb.Published(""))), "entries")
}
