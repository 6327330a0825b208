package knowledge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// EvalQuery is one query of an evaluation set: a citizen's message and the
// ids of the entries that answer it. An empty Gold means the knowledge base
// has no answer and the bot should decline.
type EvalQuery struct {
	Query string   `json:"query"`
	Gold  []string `json:"gold"`
	// Kind optionally classifies a query ("chitchat", "injection", …) so a
	// report can be cut by it; the metrics ignore it.
	Kind string `json:"kind,omitempty"`
	// Line is where the query was read, for reports.
	Line int `json:"-"`
}

// ParseQueries reads an evaluation set: one JSON object a line,
// {"query": "…", "gold": ["id", …]}; gold is required (an empty list means
// decline), other keys are ignored. Blank lines are skipped; problems name
// the file and line.
func ParseQueries(file string, data []byte) ([]EvalQuery, Problems) {
	var out []EvalQuery
	var ps Problems
	err := eachLine(data, func(n int, line []byte) {
		var q EvalQuery
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(line, &keys); err != nil {
			ps = append(ps, Problem{File: file, Line: n, Msg: "not a JSON object: " + strings.TrimPrefix(err.Error(), "json: ")})
			return
		}
		if err := json.Unmarshal(line, &q); err != nil {
			ps = append(ps, Problem{File: file, Line: n, Msg: strings.TrimPrefix(err.Error(), "json: ")})
			return
		}
		// Other keys (notes, a language) are the writers' own; but a
		// misspelt gold would silently turn a question into one to decline.
		if _, ok := keys["gold"]; !ok {
			ps = append(ps, Problem{File: file, Line: n, Field: "gold", Msg: "missing: list the ids that answer the query, or [] if it should be declined"})
			return
		}
		if strings.TrimSpace(q.Query) == "" {
			ps = append(ps, Problem{File: file, Line: n, Field: "query", Msg: "missing"})
			return
		}
		q.Line = n
		out = append(out, q)
	})
	if err != nil {
		ps = append(ps, Problem{File: file, Msg: err.Error()})
	}
	return out, ps
}

// eachLine calls fn with every non-blank line of a JSONL file, numbered
// from 1 and trimmed; lines may be up to 16 MiB.
func eachLine(data []byte, fn func(n int, line []byte)) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			fn(n, line)
		}
	}
	return sc.Err()
}

// Report holds the metrics of one evaluation run. Rates are shares in
// [0, 1]; the retrieval and answer rates are over the queries with gold, the
// decline rates over those without.
type Report struct {
	// N is the number of queries; NGold of them have gold entries, NDecline
	// have none.
	N        int `json:"n"`
	NGold    int `json:"-"`
	NDecline int `json:"-"`

	// Recall1 and Recall3: a gold entry is the first hit, among the first three.
	Recall1 float64 `json:"recall@1"`
	Recall3 float64 `json:"recall@3"`
	// MRR10 is the mean reciprocal rank of the first gold entry in the top 10.
	MRR10 float64 `json:"mrr@10"`
	// AnswerCorrect: the policy answered with a gold entry; AnswerWrong: it
	// answered with another one; SuggestHit: it suggested, a gold entry among
	// the suggestions.
	AnswerCorrect float64 `json:"answer_correct"`
	AnswerWrong   float64 `json:"answer_wrong"`
	SuggestHit    float64 `json:"suggest_hit"`
	// FalseAnswer: a query without gold was answered; DeclineOK: declined.
	FalseAnswer float64 `json:"false_answer"`
	DeclineOK   float64 `json:"decline_ok"`
	// P50ms and P99ms are percentiles of the time to search and decide one
	// query, in milliseconds.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`

	// Results holds every query's outcome, in order.
	Results []Result `json:"-"`
}

// Result is what the search and policy did with one query.
type Result struct {
	Query EvalQuery
	// Rank is the 1-based rank of the first gold entry in the top 10, 0 if
	// absent or the query has no gold.
	Rank     int
	Decision Decision
	// Top holds the ids of the first hits searched (up to 10).
	Top     []string
	Elapsed time.Duration
}

// Correct reports whether the bot did the right thing: answered with a gold
// entry, or declined a query without gold.
func (r Result) Correct() bool {
	d := r.Decision
	if len(r.Query.Gold) == 0 {
		return d.Outcome == Decline
	}
	return d.Outcome == Answer && slices.Contains(r.Query.Gold, d.Hits[0].Entry.ID)
}

// Evaluate runs every query through the searcher and the policy, as the bot
// does (the text alone, no conversation context), and computes the metrics.
func Evaluate(s Searcher, p Policy, queries []EvalQuery) Report {
	rep := Report{N: len(queries)}
	var times []time.Duration
	var mrr float64
	var r1, r3, ac, aw, sh, fa, dok int
	for _, q := range queries {
		start := time.Now()
		hits := s.Search(Query{Text: q.Query, Limit: 10})
		d := p.Decide(hits)
		elapsed := time.Since(start)
		times = append(times, elapsed)
		res := Result{Query: q, Decision: d, Elapsed: elapsed}
		for i, h := range hits {
			res.Top = append(res.Top, h.Entry.ID)
			if res.Rank == 0 && len(q.Gold) > 0 && slices.Contains(q.Gold, h.Entry.ID) {
				res.Rank = i + 1
			}
		}
		rep.Results = append(rep.Results, res)
		if len(q.Gold) == 0 {
			rep.NDecline++
			switch d.Outcome {
			case Answer:
				fa++
			case Decline:
				dok++
			}
			continue
		}
		rep.NGold++
		if res.Rank == 1 {
			r1++
		}
		if res.Rank >= 1 && res.Rank <= 3 {
			r3++
		}
		if res.Rank > 0 {
			mrr += 1 / float64(res.Rank)
		}
		switch d.Outcome {
		case Answer:
			if slices.Contains(q.Gold, d.Hits[0].Entry.ID) {
				ac++
			} else {
				aw++
			}
		case Suggest:
			for _, h := range d.Hits {
				if slices.Contains(q.Gold, h.Entry.ID) {
					sh++
					break
				}
			}
		}
	}
	share := func(k, n int) float64 {
		if n == 0 {
			return 0
		}
		return float64(k) / float64(n)
	}
	rep.Recall1, rep.Recall3 = share(r1, rep.NGold), share(r3, rep.NGold)
	if rep.NGold > 0 {
		rep.MRR10 = mrr / float64(rep.NGold)
	}
	rep.AnswerCorrect, rep.AnswerWrong, rep.SuggestHit = share(ac, rep.NGold), share(aw, rep.NGold), share(sh, rep.NGold)
	rep.FalseAnswer, rep.DeclineOK = share(fa, rep.NDecline), share(dok, rep.NDecline)
	rep.P50ms, rep.P99ms = percentileMS(times, 0.50), percentileMS(times, 0.99)
	return rep
}

// percentileMS is the nearest-rank percentile of ds, in milliseconds.
func percentileMS(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p*float64(len(s)))) - 1
	i = max(0, min(i, len(s)-1))
	return float64(s[i].Microseconds()) / 1000
}

// String renders the report one metric a line, in a fixed order.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "n              %d (%d with gold, %d to decline)\n", r.N, r.NGold, r.NDecline)
	for _, m := range []struct {
		name string
		v    float64
	}{
		{"recall@1", r.Recall1}, {"recall@3", r.Recall3}, {"mrr@10", r.MRR10},
		{"answer_correct", r.AnswerCorrect}, {"answer_wrong", r.AnswerWrong}, {"suggest_hit", r.SuggestHit},
		{"false_answer", r.FalseAnswer}, {"decline_ok", r.DeclineOK},
	} {
		fmt.Fprintf(&b, "%-14s %.4f\n", m.name, m.v)
	}
	fmt.Fprintf(&b, "%-14s %.3f\n%-14s %.3f\n", "p50_ms", r.P50ms, "p99_ms", r.P99ms)
	return b.String()
}
