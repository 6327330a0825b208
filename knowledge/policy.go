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

// Policy decides between answering, suggesting and declining: an answer
// needs a top hit whose Certainty (the estimated probability that it answers
// the query) reaches AnswerAt and whose score leads the runner-up's by
// Margin; suggestions are the hits whose own Confidence reaches SuggestAt
// (the top hit also when the certainty reaches suggestCertain), offered only
// when the certainty reaches DeclineBelow (hits that share a few words with
// a nonsense message are no help to anyone).
type Policy struct {
	// AnswerAt is the minimum certainty of the top hit for an answer.
	AnswerAt float64
	// SuggestAt is the minimum confidence for a hit to be suggested.
	SuggestAt float64
	// Margin is the minimum lead of the top hit's score over the second's
	// for an answer; closer than that, the citizen chooses. Index scores are
	// shares of the best score a query could get, so the lead is relative
	// to that.
	Margin float64
	// DeclineBelow is the certainty under which the policy declines rather
	// than suggest.
	DeclineBelow float64
	// MaxSuggestions caps the "did you mean" list (default 3).
	MaxSuggestions int
}

// Decision is the policy's verdict on one query.
type Decision struct {
	Outcome Outcome
	// Hits holds the answer (one hit) or the suggestions, best first.
	Hits []Hit
	// Certainty is the probability the top hit answers the query (see
	// Certainty); Lead its score minus the runner-up's (its whole score when
	// it is alone).
	Certainty float64
	Lead      float64
}

// suggestCertain is the certainty at which the top hit is suggested even
// though its own Confidence is under SuggestAt: a hit as likely as not to
// answer (its question words differ from the query's, say, while the rest
// agrees) helps the citizen more than a decline. On LeCoQA this turns 2
// points of declines into suggestions of the right card, and suggests on
// no nonsense or chit-chat of the should-decline set.
const suggestCertain = 0.5

// Decide applies the policy to hits, best first.
func (p Policy) Decide(hits []Hit) Decision {
	if len(hits) == 0 {
		return Decision{Outcome: Decline}
	}
	top := hits[0]
	d := Decision{Certainty: Certainty(hits), Lead: top.Score}
	if len(hits) > 1 {
		d.Lead = top.Score - hits[1].Score
	}
	if d.Certainty >= p.AnswerAt && d.Lead >= p.Margin {
		d.Outcome = Answer
		d.Hits = hits[:1]
		return d
	}
	if (top.Confidence < p.SuggestAt && d.Certainty < suggestCertain) || d.Certainty < p.DeclineBelow {
		return Decision{Outcome: Decline, Certainty: d.Certainty, Lead: d.Lead}
	}
	limit := p.MaxSuggestions
	if limit <= 0 {
		limit = 3
	}
	d.Hits = append(d.Hits, top)
	for _, h := range hits[1:] {
		if len(d.Hits) == limit {
			break
		}
		if h.Confidence >= p.SuggestAt {
			d.Hits = append(d.Hits, h)
		}
	}
	d.Outcome = Suggest
	return d
}
