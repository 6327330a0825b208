package knowledge

// Outcome is what the bot does with a search result.
type Outcome int

// The three outcomes of the policy.
const (
	// Decline: the knowledge base has no answer; say so honestly.
	Decline Outcome = iota
	// Suggest: likely entries, but none sure enough; ask "did you mean".
	Suggest
	// Answer: one entry answers the question; give it.
	Answer
)

func (o Outcome) String() string {
	switch o {
	case Answer:
		return "answer"
	case Suggest:
		return "suggest"
	default:
		return "decline"
	}
}

// Policy decides between answering, suggesting and declining from the
// confidence of the top hit and its lead over the runner-up: an answer needs
// a confident top hit whose score leads by Margin and whose evidence
// (coverage or question match) is ahead of the runner-up's.
type Policy struct {
	// AnswerAt is the minimum confidence of the top hit for an answer.
	AnswerAt float64
	// SuggestAt is the minimum confidence for a hit to be suggested.
	SuggestAt float64
	// Margin is the minimum lead of the top hit's score over the second's
	// for an answer; closer than that, the citizen chooses. Index scores are
	// shares of the best score a query could get, so the lead is relative
	// to that.
	Margin float64
	// MaxSuggestions caps the "did you mean" list (default 3).
	MaxSuggestions int
}

// Decision is the policy's verdict on one query.
type Decision struct {
	Outcome Outcome
	// Hits holds the answer (one hit) or the suggestions, best first.
	Hits []Hit
	// Confidence is the top hit's confidence; Lead its score minus the
	// runner-up's (its whole score when it is alone).
	Confidence float64
	Lead       float64
}

// Decide applies the policy to hits, best first.
func (p Policy) Decide(hits []Hit) Decision {
	if len(hits) == 0 {
		return Decision{Outcome: Decline}
	}
	top := hits[0]
	d := Decision{Confidence: top.Confidence, Lead: top.Score}
	if len(hits) > 1 {
		d.Lead = top.Score - hits[1].Score
	}
	if top.Confidence >= p.AnswerAt && d.Lead >= p.Margin && (len(hits) == 1 || ahead(top, hits[1])) {
		d.Outcome = Answer
		d.Hits = hits[:1]
		return d
	}
	limit := p.MaxSuggestions
	if limit <= 0 {
		limit = 3
	}
	for _, h := range hits {
		if len(d.Hits) == limit {
			break
		}
		if h.Confidence >= p.SuggestAt {
			d.Hits = append(d.Hits, h)
		}
	}
	if len(d.Hits) == 0 || top.Confidence < p.SuggestAt {
		return Decision{Outcome: Decline, Confidence: d.Confidence, Lead: d.Lead}
	}
	d.Outcome = Suggest
	return d
}

// ahead reports whether the top hit has more evidence than the runner-up,
// not only a higher score: more of the query covered, or more of a question
// matched. When both are level the score lead comes from term frequencies
// and lengths, not from what the citizen asked, and the citizen should choose.
func ahead(top, next Hit) bool {
	return top.Coverage-next.Coverage >= aheadCoverage || top.QuestionMatch-next.QuestionMatch >= aheadQuestion
}

// The evidence lead that ahead asks for.
const (
	aheadCoverage = 0.02
	aheadQuestion = 0.05
)
