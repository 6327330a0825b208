package knowledge

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
)

// Certainty is the estimated probability that the top hit answers the
// query: a logistic model over the evidence of the top hit and of its
// runner-up (score, question match, coverage, the leads between the two,
// their categories) and of the query (how many terms, how many the
// knowledge base has never seen). Hand-set rules over the same evidence
// ("answer when confidence ≥ x and the lead ≥ y") trade right answers for
// wrong ones worse than the model does on every evaluation set; and a
// probability is a threshold an administrator can read.
//
// The model is fitted by `go test ./knowledge -run TestFitCertainty
// -fit-certainty` on the built-in evaluation set and, when it is beside the
// project, LeCoQA, with each should-decline query weighted more (a false
// answer costs more than a missed one), and shipped as certainty.json.
func Certainty(hits []Hit) float64 {
	if len(hits) == 0 {
		return 0
	}
	var next Hit
	if len(hits) > 1 {
		next = hits[1]
	}
	return shippedCertainty.predict(certaintyFeatures(hits[0], next))
}

// certaintyFeatureNames names the model's inputs, in order; certainty.json
// must list the same.
var certaintyFeatureNames = []string{
	"score", "confidence", "question_match", "coverage", "sqrt_coverage",
	"lead", "runner_up_ratio", "question_match_lead", "coverage_lead",
	"runner_up_confidence", "log_terms", "unknown_share", "same_category",
	"question_match_x_coverage", "lead_capped",
}

// certaintyFeatures is the evidence the model reads; next is the zero Hit
// when the top hit is alone.
func certaintyFeatures(top, next Hit) []float64 {
	ratio, sameCategory := 0.0, 0.0
	if top.Score > 0 {
		ratio = next.Score / top.Score
	}
	if next.Entry != nil && next.Entry.Category == top.Entry.Category {
		sameCategory = 1
	}
	lead := top.Score - next.Score
	return []float64{
		top.Score, top.Confidence, top.QuestionMatch, top.Coverage, math.Sqrt(top.Coverage),
		lead, ratio, top.QuestionMatch - next.QuestionMatch, top.Coverage - next.Coverage,
		next.Confidence, math.Log1p(float64(top.QueryTerms)), top.UnknownShare, sameCategory,
		top.QuestionMatch * top.Coverage, math.Min(lead, 0.1),
	}
}

// certaintyModel is a fitted logistic model: inputs are standardised by
// Mean and Scale, then weighted.
type certaintyModel struct {
	Features []string  `json:"features"`
	Mean     []float64 `json:"mean"`
	Scale    []float64 `json:"scale"`
	Weights  []float64 `json:"weights"`
	Bias     float64   `json:"bias"`
	// Fitted records what the model was fitted on, for whoever reads the file.
	Fitted string `json:"fitted,omitempty"`
}

func (m *certaintyModel) logit(x []float64) float64 {
	s := m.Bias
	for j, v := range x {
		s += m.Weights[j] * (v - m.Mean[j]) / m.Scale[j]
	}
	return s
}

func (m *certaintyModel) predict(x []float64) float64 { return 1 / (1 + math.Exp(-m.logit(x))) }

// check reports a model that does not fit the features computed here.
func (m *certaintyModel) check() error {
	n := len(certaintyFeatureNames)
	if len(m.Features) != n || len(m.Mean) != n || len(m.Scale) != n || len(m.Weights) != n {
		return fmt.Errorf("certainty model has %d features, want %d", len(m.Features), n)
	}
	for i, f := range m.Features {
		if f != certaintyFeatureNames[i] {
			return fmt.Errorf("certainty model feature %d is %q, want %q", i, f, certaintyFeatureNames[i])
		}
		if m.Scale[i] <= 0 {
			return fmt.Errorf("certainty model feature %q has scale %g", f, m.Scale[i])
		}
	}
	return nil
}

//go:embed certainty.json
var certaintyJSON []byte

// shippedCertainty is the model in certainty.json; a broken file is a
// build defect, caught by the package's tests.
var shippedCertainty = func() *certaintyModel {
	var m certaintyModel
	if err := json.Unmarshal(certaintyJSON, &m); err != nil {
		panic("knowledge: certainty.json: " + err.Error())
	}
	if err := m.check(); err != nil {
		panic("knowledge: certainty.json: " + err.Error())
	}
	return &m
}()
