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
// confidence of the top hit and its lead over the runner-up.
type Policy struct {
	// AnswerAt is the minimum confidence of the top hit for an answer.
	AnswerAt float64
	// SuggestAt is the minimum confidence for a hit to be suggested.
	SuggestAt float64
	// Margin is the minimum relative score lead of the top hit over the
	// second for an answer; closer than that, the citizen chooses.
	Margin float64
	// MaxSuggestions caps the "did you mean" list (default 3).
	MaxSuggestions int
}

// Decision is the policy's verdict on one query.
type Decision struct {
	Outcome Outcome
	// Hits holds the answer (one hit) or the suggestions, best first.
	Hits []Hit
	// Confidence is the top hit's confidence; Lead its relative score lead.
	Confidence float64
	Lead       float64
}

// Decide applies the policy to hits, best first.
func (p Policy) Decide(hits []Hit) Decision {
	if len(hits) == 0 {
		return Decision{Outcome: Decline}
	}
	top := hits[0]
	d := Decision{Confidence: top.Confidence, Lead: 1}
	if len(hits) > 1 && top.Score > 0 {
		d.Lead = (top.Score - hits[1].Score) / top.Score
	}
	if top.Confidence >= p.AnswerAt && d.Lead >= p.Margin {
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
