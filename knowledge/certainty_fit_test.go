package knowledge

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var fitCertainty = flag.Bool("fit-certainty", false, "fit the certainty model on the evaluation sets and write certainty.json")

// lecoqaPath is where LeCoQA is: LEGALBOT_TEST_LECOQA_DIR, or beside the
// project.
func lecoqaPath() string {
	if dir := os.Getenv("LEGALBOT_TEST_LECOQA_DIR"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "shared", "eval", "lecoqa")
}

// certaintySample is one query's top hit: the model's inputs and whether it
// is right (the query has gold and the top hit is in it).
type certaintySample struct {
	x      []float64
	right  bool
	weight float64
	set    string
	gold   bool
}

// declineWeight is how much more a should-decline query weighs in the fit
// than a question with an answer: a false answer is the worst outcome.
const declineWeight = 6

// evalSet is a knowledge base with queries run against it.
type evalSet struct {
	name    string
	ix      *Index
	queries []EvalQuery
}

func readQueries(t *testing.T, files ...string) []EvalQuery {
	t.Helper()
	var out []EvalQuery
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		qs, ps := ParseQueries(f, data)
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		out = append(out, qs...)
	}
	return out
}

// certaintySets are the sets the model is fitted on: the built-in content
// with its own queries and should-decline set, and LeCoQA (when present)
// with its queries and the should-decline queries that are not legal
// questions (LeCoQA's cards do cover criminal or patent law, which the
// built-in FAQ leaves to a lawyer).
func certaintySets(t *testing.T) []evalSet {
	t.Helper()
	lex, err := LoadLexicon(BuiltinFS())
	if err != nil {
		t.Fatal(err)
	}
	an := NewAnalyzer(lex)
	builtin, _, err := Builtin(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	gold, _ := filepath.Glob("testdata/eval_*.jsonl")
	decline := readQueries(t, "testdata/decline.jsonl")
	sets := []evalSet{{"builtin", NewIndex(builtin, an), append(readQueries(t, gold...), decline...)}}
	data, err := os.ReadFile(filepath.Join(lecoqaPath(), "cards.jsonl"))
	if err != nil {
		t.Logf("LeCoQA not found (%v): fitting on the built-in sets only", err)
		return sets
	}
	es, ps := ParseInterchange("cards.jsonl", data)
	if len(ps.Errors()) > 0 {
		t.Fatal(ps)
	}
	qs := readQueries(t, filepath.Join(lecoqaPath(), "train_queries.jsonl"))
	for _, q := range decline {
		if q.Kind != "law" {
			qs = append(qs, q)
		}
	}
	return append(sets, evalSet{"lecoqa", NewIndex(KBFromRecords(es), an), qs})
}

func certaintySamples(sets []evalSet) []certaintySample {
	var out []certaintySample
	for _, s := range sets {
		for _, q := range s.queries {
			hits := s.ix.Search(Query{Text: q.Query})
			if len(hits) == 0 {
				continue
			}
			var next Hit
			if len(hits) > 1 {
				next = hits[1]
			}
			w := 1.0
			if len(q.Gold) == 0 {
				w = declineWeight
			}
			out = append(out, certaintySample{
				x: certaintyFeatures(hits[0], next), right: slices.Contains(q.Gold, hits[0].Entry.ID),
				weight: w, set: s.name, gold: len(q.Gold) > 0,
			})
		}
	}
	return out
}

// fitLogistic fits a logistic model by gradient descent on the weighted
// log loss with a little L2 regularisation.
func fitLogistic(ss []certaintySample) *certaintyModel {
	n := len(certaintyFeatureNames)
	m := &certaintyModel{Features: certaintyFeatureNames, Mean: make([]float64, n), Scale: make([]float64, n), Weights: make([]float64, n)}
	var total float64
	for _, s := range ss {
		total += s.weight
		for j, v := range s.x {
			m.Mean[j] += s.weight * v
			m.Scale[j] += s.weight * v * v
		}
	}
	for j := range n {
		m.Mean[j] /= total
		m.Scale[j] = math.Sqrt(math.Max(1e-6, m.Scale[j]/total-m.Mean[j]*m.Mean[j]))
	}
	const (
		rate  = 1.0
		l2    = 0.001
		steps = 3000
	)
	for range steps {
		grad := make([]float64, n)
		var gradBias float64
		for _, s := range ss {
			y := 0.0
			if s.right {
				y = 1
			}
			d := s.weight * (m.predict(s.x) - y)
			gradBias += d
			for j, v := range s.x {
				grad[j] += d * (v - m.Mean[j]) / m.Scale[j]
			}
		}
		for j := range n {
			m.Weights[j] -= rate * (grad[j]/total + l2*m.Weights[j])
		}
		m.Bias -= rate * gradBias / total
	}
	return m
}

// TestFitCertainty fits the model with five-fold cross-validation first,
// so that what it prints is how the model does on queries it was not
// fitted on, then on everything, and writes certainty.json.
func TestFitCertainty(t *testing.T) {
	if !*fitCertainty {
		t.Skip("run with -fit-certainty to refit certainty.json")
	}
	ss := certaintySamples(certaintySets(t))
	perm := rand.New(rand.NewSource(1)).Perm(len(ss))
	held := make([]float64, len(ss))
	const folds = 5
	for k := range folds {
		var train []certaintySample
		for i, p := range perm {
			if i%folds != k {
				train = append(train, ss[p])
			}
		}
		m := fitLogistic(train)
		for i, p := range perm {
			if i%folds == k {
				held[p] = m.predict(ss[p].x)
			}
		}
	}
	for _, at := range []float64{0.6, 0.65, 0.7, 0.75, 0.8, 0.85} {
		var b strings.Builder
		fmt.Fprintf(&b, "cross-validated, answer at %.2f:", at)
		for _, set := range []string{"builtin", "lecoqa"} {
			var right, wrong, golds, false_, declines float64
			for i, s := range ss {
				if s.set != set {
					continue
				}
				answered := held[i] >= at
				switch {
				case s.gold:
					golds++
					if answered && s.right {
						right++
					} else if answered {
						wrong++
					}
				default:
					declines++
					if answered {
						false_++
					}
				}
			}
			if golds > 0 {
				fmt.Fprintf(&b, "  %s answer_correct≈%.3f answer_wrong≈%.3f false_answer≈%.3f", set, right/golds, wrong/golds, false_/max(1, declines))
			}
		}
		t.Log(b.String())
	}
	m := fitLogistic(ss)
	m.Fitted = fmt.Sprintf("go test ./knowledge -run TestFitCertainty -fit-certainty: %d queries (built-in evaluation set%s), should-decline weight %d",
		len(ss), map[bool]string{true: " and LeCoQA train queries", false: ""}[slices.ContainsFunc(ss, func(s certaintySample) bool { return s.set == "lecoqa" })], declineWeight)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("certainty.json", append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote certainty.json: weights %.2f bias %.2f", m.Weights, m.Bias)
}
