package knowledge

import (
	"slices"
	"testing"
)

// The shipped model must read evidence the right way round: a refit that
// made a weaker match look surer would pass no quality floor by luck alone.
func TestShippedCertaintyReadsEvidence(t *testing.T) {
	cat := func(id, c string) *Entry { return &Entry{ID: id, Category: c} }
	strong := Hit{Entry: cat("a", "labor"), Score: 0.8, Coverage: 0.9, QuestionMatch: 0.95, Confidence: 0.9, QueryTerms: 12}
	runnerUp := Hit{Entry: cat("b", "labor"), Score: 0.3, Coverage: 0.4, QuestionMatch: 0.3, Confidence: 0.3, QueryTerms: 12}
	sure := Certainty([]Hit{strong, runnerUp})
	if sure < 0.8 {
		t.Errorf("strong, well-ahead top hit: certainty %.2f, want ≥ 0.8", sure)
	}
	rival := runnerUp
	rival.Score, rival.Coverage, rival.QuestionMatch, rival.Confidence = 0.78, 0.88, 0.9, 0.88
	if c := Certainty([]Hit{strong, rival}); c >= sure {
		t.Errorf("a runner-up as good as the top hit must lower the certainty: %.2f, alone ahead %.2f", c, sure)
	}
	weak := strong
	weak.Score, weak.Coverage, weak.QuestionMatch, weak.Confidence = 0.2, 0.2, 0.25, 0.1
	if c := Certainty([]Hit{weak, runnerUp}); c >= 0.5 {
		t.Errorf("weak top hit: certainty %.2f, want < 0.5", c)
	}
	unknown := strong
	unknown.UnknownShare = 0.6
	if c := Certainty([]Hit{unknown, runnerUp}); c >= sure {
		t.Errorf("a query the knowledge base mostly does not know must lower the certainty: %.2f vs %.2f", c, sure)
	}
	if Certainty(nil) != 0 {
		t.Error("no hits, some certainty")
	}
}

func TestPolicyDeclinesBelowCertainty(t *testing.T) {
	// Hits with enough confidence to be suggested but no chance of being right.
	hits := []Hit{
		{Entry: &Entry{ID: "a", Category: "x"}, Score: 0.12, Coverage: 0.1, QuestionMatch: 0.6, Confidence: 0.35, QueryTerms: 30, UnknownShare: 0.5},
		{Entry: &Entry{ID: "b", Category: "y"}, Score: 0.11, Coverage: 0.1, QuestionMatch: 0.6, Confidence: 0.34, QueryTerms: 30, UnknownShare: 0.5},
	}
	c := Certainty(hits)
	p := Policy{AnswerAt: 0.75, SuggestAt: 0.30, Margin: 0.02}
	if d := p.Decide(hits); d.Outcome != Suggest {
		t.Fatalf("without a certainty floor: %s, want suggest", d.Outcome)
	}
	p.DeclineBelow = c + 0.01
	if d := p.Decide(hits); d.Outcome != Decline || d.Certainty != c {
		t.Errorf("certainty %.3f under the floor: %s (%.3f), want decline", c, d.Outcome, d.Certainty)
	}
}

// A top hit the certainty model rates as likely as not is suggested even
// when its own confidence is under the suggest threshold; rated lower, the
// policy declines as before.
func TestPolicySuggestsLikelyTopHitWithWeakConfidence(t *testing.T) {
	hits := []Hit{
		{Entry: &Entry{ID: "a", Category: "x"}, Score: 0.6, Coverage: 0.8, QuestionMatch: 0.5, Confidence: 0.25, QueryTerms: 10},
		{Entry: &Entry{ID: "b", Category: "y"}, Score: 0.2, Coverage: 0.2, QuestionMatch: 0.2, Confidence: 0.10, QueryTerms: 10},
	}
	c := Certainty(hits)
	if c < suggestCertain {
		t.Fatalf("test hits: certainty %.3f, want ≥ %.2f", c, suggestCertain)
	}
	p := Policy{AnswerAt: c + 0.01, SuggestAt: 0.30, Margin: 0.02, DeclineBelow: 0.10}
	d := p.Decide(hits)
	if d.Outcome != Suggest || len(d.Hits) != 1 || d.Hits[0].Entry.ID != "a" {
		t.Fatalf("certainty %.3f, confidence 0.25: %s %v, want a suggestion of a alone", c, d.Outcome, d.Hits)
	}
	weak := slices.Clone(hits)
	weak[0].Score, weak[0].Coverage, weak[0].QuestionMatch = 0.15, 0.2, 0.2
	if c := Certainty(weak); c >= suggestCertain {
		t.Fatalf("weak test hits: certainty %.3f, want < %.2f", c, suggestCertain)
	}
	if d := p.Decide(weak); d.Outcome != Decline {
		t.Errorf("weak top hit under both thresholds: %s, want decline", d.Outcome)
	}
}
