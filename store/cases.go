package store

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Case statuses.
const (
	CaseWaiting  = "waiting"
	CaseAssigned = "assigned"
	CaseClosed   = "closed"
)

// Case is a matter handed to the lawyer on duty.
type Case struct {
	ID      string
	Citizen string // the citizen's address, e.g. "tg:12345"
	// Name is the citizen's display name, only when they chose to share it.
	Name     string
	Lang     string
	Category string
	Region   string
	Summary  string
	Deadline string
	// Urgency ranks the queue: higher first (0 none … 4 self-harm).
	Urgency    int
	UrgentWhy  string
	Status     string
	Lawyer     int64
	LawyerName string
	Created    time.Time
	Assigned   time.Time
	Closed     time.Time
	Outcome    string
	Rating     int
	Comment    string
	// Answered lists the FAQ entries the bot gave before the handoff.
	Answered []string
	// Turns are the citizen's last messages before the handoff.
	Turns []string
	// Escalations counts SLA escalations so far.
	Escalations int
}

// TranscriptLine is one message of a case.
type TranscriptLine struct {
	At   time.Time `json:"at"`
	From string    `json:"from"` // citizen | lawyer:<id> | bot | note:<id>
	Kind string    `json:"kind"` // text | media | note | event
	Text string    `json:"text"`
	// MessageID is the channel's id of a media message, to copy it later.
	MessageID int `json:"message_id,omitempty"`
}

// Notification is a Take message sent to a lawyer, edited once the case is taken.
type Notification struct {
	Chat      string `json:"chat"`
	MessageID int    `json:"message_id"`
}

// Cases keeps handoff cases, the queue, assignments and timers in Redis.
// Every key shares the {handoff} hash tag so the Lua scripts run on a
// Cluster too (one slot: a legal-aid office's case load fits one shard).
type Cases struct {
	ns        string
	rdb       redis.UniversalClient
	retention time.Duration
	now       func() time.Time
}

// NewCases returns the case store of an office ("" for the default);
// offices sharing a Redis keep separate rosters, queues and cases.
// Personal records expire after retention.
func NewCases(rdb redis.UniversalClient, office string, retention time.Duration, now func() time.Time) *Cases {
	return &Cases{ns: handoffNamespace(office), rdb: rdb, retention: retention, now: now}
}

var (
	//go:embed lua/take.lua
	takeSrc    string
	takeScript = redis.NewScript(takeSrc)
	//go:embed lua/release.lua
	releaseSrc    string
	releaseScript = redis.NewScript(releaseSrc)
	//go:embed lua/due.lua
	dueSrc    string
	dueScript = redis.NewScript(dueSrc)
)

// idAlphabet leaves out 0/O, 1/I/L: case ids are read out on the phone.
const idAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func newCaseID() string {
	b := make([]byte, 4)
	rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return "C-" + string(b)
}

// NormalizeCaseID reads "c-7k2q" or "7K2Q" as "C-7K2Q".
func NormalizeCaseID(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(s, "C-") {
		s = "C-" + s
	}
	return s
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

// queueScore orders the queue by urgency, then age.
func queueScore(urgency int, created time.Time) float64 {
	return float64(int64(10-urgency)*1e13 + ms(created))
}

// Create stores a new waiting case, queues it and arms its SLA timer for slaDue.
func (s *Cases) Create(ctx context.Context, c *Case, slaDue time.Time) error {
	c.Status = CaseWaiting
	c.Created = s.now()
	for range 10 {
		c.ID = newCaseID()
		ok, err := s.rdb.HSetNX(ctx, caseKey(s.ns, c.ID), "id", c.ID).Result()
		if err != nil {
			return fmt.Errorf("create case: %w", err)
		}
		if ok {
			break
		}
		c.ID = ""
	}
	if c.ID == "" {
		return errors.New("create case: no free case id")
	}
	answered, _ := json.Marshal(c.Answered)
	turns, _ := json.Marshal(c.Turns)
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, caseKey(s.ns, c.ID), map[string]any{
		"citizen": c.Citizen, "name": c.Name, "lang": c.Lang, "category": c.Category, "region": c.Region,
		"summary": c.Summary, "deadline": c.Deadline, "urgency": c.Urgency, "urgent_why": c.UrgentWhy,
		"status": c.Status, "created": ms(c.Created), "answered": answered, "turns": turns,
	})
	pipe.Expire(ctx, caseKey(s.ns, c.ID), s.retention)
	pipe.ZAdd(ctx, queueKey(s.ns), redis.Z{Score: queueScore(c.Urgency, c.Created), Member: c.ID})
	pipe.Set(ctx, citizenCaseKey(s.ns, c.Citizen), c.ID, s.retention)
	pipe.SAdd(ctx, citizenCasesKey(s.ns, c.Citizen), c.ID)
	pipe.Expire(ctx, citizenCasesKey(s.ns, c.Citizen), s.retention)
	pipe.ZAdd(ctx, timersKey(s.ns), redis.Z{Score: float64(ms(slaDue)), Member: "sla:" + c.ID})
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("create case: %w", err)
	}
	return nil
}

// Get loads a case; nil when there is none.
func (s *Cases) Get(ctx context.Context, id string) (*Case, error) {
	m, err := s.rdb.HGetAll(ctx, caseKey(s.ns, id)).Result()
	if err != nil {
		return nil, fmt.Errorf("load case %s: %w", id, err)
	}
	if m["status"] == "" {
		return nil, nil
	}
	c := &Case{
		ID: id, Citizen: m["citizen"], Name: m["name"], Lang: m["lang"], Category: m["category"], Region: m["region"],
		Summary: m["summary"], Deadline: m["deadline"], UrgentWhy: m["urgent_why"], Status: m["status"],
		LawyerName: m["lawyer_name"], Outcome: m["outcome"], Comment: m["comment"],
		Created: fromMS(m["created"]), Assigned: fromMS(m["assigned"]), Closed: fromMS(m["closed"]),
	}
	c.Urgency, _ = strconv.Atoi(m["urgency"])
	c.Rating, _ = strconv.Atoi(m["rating"])
	c.Escalations, _ = strconv.Atoi(m["escalations"])
	c.Lawyer, _ = strconv.ParseInt(m["lawyer"], 10, 64)
	json.Unmarshal([]byte(m["answered"]), &c.Answered)
	json.Unmarshal([]byte(m["turns"]), &c.Turns)
	return c, nil
}

// CitizenCase returns the id of the citizen's open case, or "".
func (s *Cases) CitizenCase(ctx context.Context, citizen string) (string, error) {
	id, err := s.rdb.Get(ctx, citizenCaseKey(s.ns, citizen)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("citizen case: %w", err)
	}
	return id, nil
}

// TakeResult is the outcome of a take.
type TakeResult int

// The outcomes of Take.
const (
	NoSuchCase TakeResult = iota
	AlreadyTaken
	Taken
)

// Take assigns a waiting case to the lawyer, atomically: of several lawyers
// taking at once, on any replicas, exactly one gets it. It also returns the
// current owner when the case was already taken.
func (s *Cases) Take(ctx context.Context, id string, lawyer int64, name string) (TakeResult, int64, error) {
	res, err := takeScript.Run(ctx, s.rdb, []string{caseKey(s.ns, id), queueKey(s.ns), lawyerCasesKey(s.ns, lawyer), timersKey(s.ns)},
		id, lawyer, name, ms(s.now())).Slice()
	if err != nil {
		return NoSuchCase, 0, fmt.Errorf("take case %s: %w", id, err)
	}
	code, _ := res[0].(int64)
	owner, _ := strconv.ParseInt(fmt.Sprint(res[1]), 10, 64)
	switch code {
	case 1:
		s.rdb.Set(ctx, lawyerCurrentKey(s.ns, lawyer), id, s.retention)
		return Taken, lawyer, nil
	case 0:
		return AlreadyTaken, owner, nil
	}
	return NoSuchCase, 0, nil
}

// Close ends a case with an outcome. by is the assigned lawyer, or 0 when
// the citizen ends it. It reports false when by may not close it.
func (s *Cases) Close(ctx context.Context, c *Case, by int64, outcome string) (bool, error) {
	expected := ""
	if by != 0 {
		expected = strconv.FormatInt(by, 10)
	}
	return s.release(ctx, c, expected, "close", outcome, "", 0, 0)
}

// Requeue puts an assigned case back in the queue (a transfer to "queue").
func (s *Cases) Requeue(ctx context.Context, c *Case, by int64, slaDue time.Time) (bool, error) {
	return s.release(ctx, c, strconv.FormatInt(by, 10), "queue", "", "", queueScore(c.Urgency, c.Created), ms(slaDue))
}

// Transfer hands an assigned case from one lawyer to another.
func (s *Cases) Transfer(ctx context.Context, c *Case, from, to int64, toName string) (bool, error) {
	ok, err := s.releaseTo(ctx, c, strconv.FormatInt(from, 10), to, toName)
	if ok {
		s.rdb.Set(ctx, lawyerCurrentKey(s.ns, to), c.ID, s.retention)
	}
	return ok, err
}

func (s *Cases) releaseTo(ctx context.Context, c *Case, expected string, to int64, toName string) (bool, error) {
	n, err := releaseScript.Run(ctx, s.rdb,
		[]string{caseKey(s.ns, c.ID), queueKey(s.ns), lawyerCasesKey(s.ns, c.Lawyer), lawyerCasesKey(s.ns, to), citizenCaseKey(s.ns, c.Citizen), timersKey(s.ns)},
		c.ID, expected, "transfer", to, toName, ms(s.now()), 0, 0).Int()
	if err != nil {
		return false, fmt.Errorf("transfer case %s: %w", c.ID, err)
	}
	return n == 1, nil
}

func (s *Cases) release(ctx context.Context, c *Case, expected, action, outcome, name string, score float64, due int64) (bool, error) {
	n, err := releaseScript.Run(ctx, s.rdb,
		[]string{caseKey(s.ns, c.ID), queueKey(s.ns), lawyerCasesKey(s.ns, c.Lawyer), lawyerCasesKey(s.ns, c.Lawyer), citizenCaseKey(s.ns, c.Citizen), timersKey(s.ns)},
		c.ID, expected, action, outcome, name, ms(s.now()), score, due).Int()
	if err != nil {
		return false, fmt.Errorf("%s case %s: %w", action, c.ID, err)
	}
	return n == 1, nil
}

// Waiting lists the waiting cases, most urgent then oldest first.
func (s *Cases) Waiting(ctx context.Context, limit int) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, queueKey(s.ns), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return ids, nil
}

// Position is a waiting case's place in the queue, from 1; 0 when not waiting.
func (s *Cases) Position(ctx context.Context, id string) (int, error) {
	n, err := s.rdb.ZRank(ctx, queueKey(s.ns), id).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("queue position: %w", err)
	}
	return int(n) + 1, nil
}

// LawyerCases lists the cases assigned to a lawyer.
func (s *Cases) LawyerCases(ctx context.Context, lawyer int64) ([]string, error) {
	return s.rdb.SMembers(ctx, lawyerCasesKey(s.ns, lawyer)).Result()
}

// Current returns the case a lawyer's plain messages go to.
func (s *Cases) Current(ctx context.Context, lawyer int64) (string, error) {
	id, err := s.rdb.Get(ctx, lawyerCurrentKey(s.ns, lawyer)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return id, err
}

// SetCurrent makes id the case a lawyer's plain messages go to.
func (s *Cases) SetCurrent(ctx context.Context, lawyer int64, id string) error {
	return s.rdb.Set(ctx, lawyerCurrentKey(s.ns, lawyer), id, s.retention).Err()
}

// Append adds a line to the case's transcript (and renews the case's TTL).
func (s *Cases) Append(ctx context.Context, id string, l TranscriptLine) error {
	if l.At.IsZero() {
		l.At = s.now()
	}
	data, _ := json.Marshal(l)
	pipe := s.rdb.TxPipeline()
	pipe.RPush(ctx, transcriptKey(s.ns, id), data)
	pipe.Expire(ctx, transcriptKey(s.ns, id), s.retention)
	pipe.Expire(ctx, caseKey(s.ns, id), s.retention)
	_, err := pipe.Exec(ctx)
	return err
}

// Transcript returns the case's messages, oldest first.
func (s *Cases) Transcript(ctx context.Context, id string) ([]TranscriptLine, error) {
	raw, err := s.rdb.LRange(ctx, transcriptKey(s.ns, id), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	out := make([]TranscriptLine, 0, len(raw))
	for _, r := range raw {
		var l TranscriptLine
		if json.Unmarshal([]byte(r), &l) == nil {
			out = append(out, l)
		}
	}
	return out, nil
}

// SetFields updates some fields of a case (rating, comment, escalations).
func (s *Cases) SetFields(ctx context.Context, id string, fields map[string]any) error {
	return s.rdb.HSet(ctx, caseKey(s.ns, id), fields).Err()
}

// AddNotification records a Take message sent about the case.
func (s *Cases) AddNotification(ctx context.Context, id string, n Notification) error {
	data, _ := json.Marshal(n)
	pipe := s.rdb.TxPipeline()
	pipe.RPush(ctx, notifiedKey(s.ns, id), data)
	pipe.Expire(ctx, notifiedKey(s.ns, id), s.retention)
	_, err := pipe.Exec(ctx)
	return err
}

// Notifications returns the Take messages sent about the case and forgets them.
func (s *Cases) TakeNotifications(ctx context.Context, id string) ([]Notification, error) {
	pipe := s.rdb.TxPipeline()
	get := pipe.LRange(ctx, notifiedKey(s.ns, id), 0, -1)
	pipe.Del(ctx, notifiedKey(s.ns, id))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	var out []Notification
	for _, r := range get.Val() {
		var n Notification
		if json.Unmarshal([]byte(r), &n) == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// MapMessage remembers which case a message in a lawyer's chat belongs to,
// so a reply to it goes to that case.
func (s *Cases) MapMessage(ctx context.Context, chat string, messageID int, id string) error {
	return s.rdb.Set(ctx, messageCaseKey(s.ns, chat, messageID), id, s.retention).Err()
}

// MessageCase returns the case a message belongs to, or "".
func (s *Cases) MessageCase(ctx context.Context, chat string, messageID int) (string, error) {
	id, err := s.rdb.Get(ctx, messageCaseKey(s.ns, chat, messageID)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return id, err
}

// Arm schedules a timer (e.g. "sla:C-7K2Q") at due.
func (s *Cases) Arm(ctx context.Context, timer string, due time.Time) error {
	return s.rdb.ZAdd(ctx, timersKey(s.ns), redis.Z{Score: float64(ms(due)), Member: timer}).Err()
}

// Due takes the timers due by now; each is handed to exactly one caller.
func (s *Cases) Due(ctx context.Context, max int) ([]string, error) {
	return dueScript.Run(ctx, s.rdb, []string{timersKey(s.ns)}, ms(s.now()), max).StringSlice()
}

// SetDuty records a lawyer's /onduty (true) or /offduty (false).
func (s *Cases) SetDuty(ctx context.Context, lawyer int64, on bool) error {
	v := "off"
	if on {
		v = "on"
	}
	return s.rdb.HSet(ctx, dutyKey(s.ns), strconv.FormatInt(lawyer, 10), v).Err()
}

// Duty returns the lawyers' manual duty states.
func (s *Cases) Duty(ctx context.Context) (map[int64]bool, error) {
	m, err := s.rdb.HGetAll(ctx, dutyKey(s.ns)).Result()
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(m))
	for k, v := range m {
		id, _ := strconv.ParseInt(k, 10, 64)
		out[id] = v == "on"
	}
	return out, nil
}

// Once reports whether this is the first call with key within ttl, across
// replicas (e.g. to announce a shift start once).
func (s *Cases) Once(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return s.rdb.SetNX(ctx, onceKey(s.ns, key), 1, ttl).Result()
}

// SaveRoster stores the roster document (seeded from the configuration at
// start; an admin console can write it later).
func (s *Cases) SaveRoster(ctx context.Context, doc []byte) error {
	return s.rdb.Set(ctx, rosterKey(s.ns), doc, 0).Err()
}

// Roster returns the stored roster document, nil when none.
func (s *Cases) Roster(ctx context.Context) ([]byte, error) {
	b, err := s.rdb.Get(ctx, rosterKey(s.ns)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

// ForgetCitizen deletes every case of the citizen with its transcript,
// wherever it stands (the caller closes an open one first).
func (s *Cases) ForgetCitizen(ctx context.Context, citizen string) error {
	ids, err := s.rdb.SMembers(ctx, citizenCasesKey(s.ns, citizen)).Result()
	if err != nil {
		return fmt.Errorf("forget cases: %w", err)
	}
	for _, id := range ids {
		lawyer, _ := s.rdb.HGet(ctx, caseKey(s.ns, id), "lawyer").Int64()
		pipe := s.rdb.TxPipeline()
		pipe.Del(ctx, caseKey(s.ns, id), transcriptKey(s.ns, id), notifiedKey(s.ns, id))
		pipe.ZRem(ctx, queueKey(s.ns), id)
		pipe.ZRem(ctx, timersKey(s.ns), "sla:"+id)
		if lawyer != 0 {
			pipe.SRem(ctx, lawyerCasesKey(s.ns, lawyer), id)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("forget case %s: %w", id, err)
		}
	}
	return s.rdb.Del(ctx, citizenCaseKey(s.ns, citizen), citizenCasesKey(s.ns, citizen)).Err()
}
