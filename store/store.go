// Package store keeps legalbot's state in Redis: citizens' sessions and
// feedback, and the marks that make every Telegram update processed once
// across replicas. All Redis talk is in this package; every key is built in
// keys.go. It works on a single server, Sentinel or Cluster through
// redis.UniversalClient (keys of one citizen share a hash tag).
package store

import (
	"context"
	"crypto/tls"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/legalbot/legalbot/config"
	"github.com/redis/go-redis/v9"
)

// Open connects to the Redis described by a REDIS_URL and checks it answers.
func Open(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	t, err := config.ParseRedisURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts := &redis.UniversalOptions{
		Addrs:        t.Addrs,
		MasterName:   t.MasterName,
		DB:           t.DB,
		Username:     t.Username,
		Password:     t.Password,
		DialTimeout:  2 * time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
	}
	if t.TLS {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	rdb := redis.NewUniversalClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("connect to Redis at %v: %w", t.Addrs, err)
	}
	return rdb, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Session is what the bot remembers about one citizen between messages.
type Session struct {
	Citizen string `json:"-"`
	// Lang is the reply language; LangChosen is set once the citizen chose it with /lang.
	Lang       string `json:"lang,omitempty"`
	LangChosen bool   `json:"lang_chosen,omitempty"`
	// State is the conversation state ("" when idle), with its data.
	State     string            `json:"state,omitempty"`
	StateData map[string]string `json:"state_data,omitempty"`
	// Source is the /start payload the citizen arrived with.
	Source string `json:"source,omitempty"`
	// Turns are the last messages, oldest first, capped.
	Turns []Turn `json:"turns,omitempty"`
	// Answers are the ids of the last entries given, newest last, capped.
	Answers []string `json:"answers,omitempty"`
	// DownVotes counts 👎 in a row (reset by 👍), for offering a lawyer.
	DownVotes int       `json:"down_votes,omitempty"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

// Turn is one exchange: what the citizen said and what the bot did with it.
type Turn struct {
	At      time.Time `json:"at"`
	Text    string    `json:"text"`
	Outcome string    `json:"outcome,omitempty"` // answer | suggest | decline
	Entry   string    `json:"entry,omitempty"`
}

// AddTurn appends a turn, keeping the newest max.
func (s *Session) AddTurn(t Turn, max int) {
	s.Turns = append(s.Turns, t)
	if len(s.Turns) > max {
		s.Turns = s.Turns[len(s.Turns)-max:]
	}
}

// AddAnswer records an entry given to the citizen, keeping the newest max.
func (s *Session) AddAnswer(id string, max int) {
	s.Answers = append(s.Answers, id)
	if len(s.Answers) > max {
		s.Answers = s.Answers[len(s.Answers)-max:]
	}
}

// Sessions stores sessions in Redis, each with the retention TTL.
type Sessions struct {
	rdb       redis.UniversalClient
	retention time.Duration
	now       func() time.Time
}

// NewSessions returns a session store whose records expire after retention
// without activity. now is the clock (time.Now in production).
func NewSessions(rdb redis.UniversalClient, retention time.Duration, now func() time.Time) *Sessions {
	return &Sessions{rdb: rdb, retention: retention, now: now}
}

// Load returns the citizen's session; a citizen never seen gets a new one
// (Created zero until saved).
func (s *Sessions) Load(ctx context.Context, citizen string) (*Session, error) {
	data, err := s.rdb.Get(ctx, sessionKey(citizen)).Bytes()
	if errors.Is(err, redis.Nil) {
		return &Session{Citizen: citizen}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	var sess Session
	if err := json.Unmarshal(data, &sess); err != nil {
		// A session we cannot read is replaced, not fatal for the citizen.
		return &Session{Citizen: citizen}, nil
	}
	sess.Citizen = citizen
	return &sess, nil
}

// Save writes the session and renews its TTL.
func (s *Sessions) Save(ctx context.Context, sess *Session) error {
	now := s.now()
	if sess.Created.IsZero() {
		sess.Created = now
	}
	sess.Updated = now
	data, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	if err := s.rdb.Set(ctx, sessionKey(sess.Citizen), data, s.retention).Err(); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// Forget deletes everything stored about the citizen. Feedback totals keep
// their counts: they hold no one's identity.
func (s *Sessions) Forget(ctx context.Context, citizen string) error {
	// One DEL per key: in a Cluster a multi-key DEL must hit one slot, and
	// the hash tag guarantees that, but separate calls keep it obvious.
	for _, k := range citizenKeys(citizen) {
		if err := s.rdb.Del(ctx, k).Err(); err != nil {
			return fmt.Errorf("forget citizen: %w", err)
		}
	}
	return nil
}

// Vote is a citizen's verdict on an answer.
type Vote string

// The two votes.
const (
	Up   Vote = "up"
	Down Vote = "down"
)

// RecordFeedback stores a citizen's vote on an entry (replacing an earlier
// vote on the same entry) and updates the anonymous totals. It reports
// whether the vote changed anything.
func (s *Sessions) RecordFeedback(ctx context.Context, citizen, entry string, v Vote) (bool, error) {
	prev, err := voteScript.Run(ctx, s.rdb, []string{feedbackKey(citizen)}, entry, string(v), s.retention.Milliseconds()).Text()
	if errors.Is(err, redis.Nil) {
		return false, nil // the same vote again
	}
	if err != nil {
		return false, fmt.Errorf("record feedback: %w", err)
	}
	// Totals live under another slot, so they are a separate call.
	totals := s.rdb.Pipeline()
	totals.HIncrBy(ctx, feedbackTotalsKey(), entry+":"+string(v), 1)
	if prev != "" {
		totals.HIncrBy(ctx, feedbackTotalsKey(), entry+":"+prev, -1)
	}
	if _, err := totals.Exec(ctx); err != nil {
		return true, fmt.Errorf("record feedback totals: %w", err)
	}
	return true, nil
}

//go:embed lua/vote.lua
var voteSrc string

var voteScript = redis.NewScript(voteSrc)

// FeedbackTotals returns the anonymous up and down counts of an entry.
func (s *Sessions) FeedbackTotals(ctx context.Context, entry string) (up, down int64, err error) {
	vals, err := s.rdb.HMGet(ctx, feedbackTotalsKey(), entry+":up", entry+":down").Result()
	if err != nil {
		return 0, 0, fmt.Errorf("feedback totals: %w", err)
	}
	parse := func(v any) int64 {
		s, _ := v.(string)
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	return parse(vals[0]), parse(vals[1]), nil
}

// Updates marks channel updates as taken, so each is processed once even
// when Telegram redelivers it or several replicas receive it.
type Updates struct {
	rdb redis.UniversalClient
	ttl time.Duration
}

// NewUpdates returns an update de-duplicator whose marks last ttl.
func NewUpdates(rdb redis.UniversalClient, ttl time.Duration) *Updates {
	return &Updates{rdb: rdb, ttl: ttl}
}

// Claim reports whether this caller is the first to take the update.
func (u *Updates) Claim(ctx context.Context, channel string, id int64) (bool, error) {
	ok, err := u.rdb.SetNX(ctx, updateKey(channel, id), 1, u.ttl).Result()
	if err != nil {
		return false, fmt.Errorf("claim update %d: %w", id, err)
	}
	return ok, nil
}
