package knowledge

import (
	"cmp"
	"fmt"
	"io"
	"slices"
)

// Overlap measures how well the search tells a knowledge base's entries
// apart, from the entries alone: each entry's questions are held out a fold
// at a time (question i of a language in fold i mod folds), the index is
// built without them, and each held-out question is searched. A question
// that finds another entry first shows where two entries compete for the
// same words: content to sharpen (a phrasing that belongs to the other
// entry, two entries that answer one question) before citizens meet it.
// It needs no evaluation queries, so writers can use it freely.
func Overlap(kb *KB, lex *Lexicon, folds int) OverlapReport {
	folds = max(2, folds)
	published := kb.Published("")
	an := NewAnalyzer(lex)
	rep := OverlapReport{Folds: folds}
	confused := map[[2]string]*Confusion{}
	for fold := range folds {
		held := make(map[*Entry][]string, len(published)) // keyed by the copy
		entries := make([]*Entry, 0, len(published))
		owner := map[*Entry]*Entry{} // copy → original
		for _, e := range published {
			c := *e
			c.Text = make(map[string]Text, len(e.Text))
			for lang, t := range e.Text {
				var kept []string
				for i, q := range t.Questions {
					if i%folds == fold {
						held[&c] = append(held[&c], q)
					} else {
						kept = append(kept, q)
					}
				}
				c.Text[lang] = Text{Questions: kept, Answer: t.Answer}
			}
			entries = append(entries, &c)
			owner[&c] = e
		}
		ix := NewIndex(NewKB(kb.Categories, entries), an)
		for _, c := range entries {
			for _, q := range held[c] {
				rep.Questions++
				hits := ix.Search(Query{Text: q, Limit: 1})
				rival := "" // no hit at all
				if len(hits) > 0 {
					if hits[0].Entry == c {
						rep.Own++
						continue
					}
					rival = owner[hits[0].Entry].ID
				}
				key := [2]string{c.ID, rival}
				cf := confused[key]
				if cf == nil {
					cf = &Confusion{Entry: c.ID, Rival: rival}
					confused[key] = cf
				}
				cf.Questions = append(cf.Questions, q)
			}
		}
	}
	for _, cf := range confused {
		rep.Confusions = append(rep.Confusions, *cf)
	}
	slices.SortFunc(rep.Confusions, func(a, b Confusion) int {
		if c := cmp.Compare(len(b.Questions), len(a.Questions)); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Entry, b.Entry), cmp.Compare(a.Rival, b.Rival))
	})
	return rep
}

// OverlapReport is what Overlap found.
type OverlapReport struct {
	Folds     int `json:"folds"`
	Questions int `json:"questions"` // held-out questions searched
	Own       int `json:"own"`       // of them, those that found their own entry first
	// Confusions lists, most questions first, the pairs of an entry and the
	// entry its held-out questions found first instead.
	Confusions []Confusion `json:"confusions"`
}

// Confusion is an entry whose questions find a rival entry first; Rival is
// empty when they found nothing.
type Confusion struct {
	Entry     string   `json:"entry"`
	Rival     string   `json:"rival"`
	Questions []string `json:"questions"`
}

// OwnShare is the share of held-out questions that found their own entry.
func (r OverlapReport) OwnShare() float64 {
	if r.Questions == 0 {
		return 0
	}
	return float64(r.Own) / float64(r.Questions)
}

// Write prints the report: the summary, then up to top confusions with up
// to examples of their questions each.
func (r OverlapReport) Write(w io.Writer, top, examples int) {
	fmt.Fprintf(w, "%d questions held out in %d folds: %.1f%% find their own entry first\n", r.Questions, r.Folds, 100*r.OwnShare())
	if len(r.Confusions) == 0 {
		return
	}
	fmt.Fprintln(w, "questions of ENTRY that find RIVAL first (most first):")
	for i, cf := range r.Confusions {
		if i == top {
			fmt.Fprintf(w, "… and %d more pairs\n", len(r.Confusions)-top)
			break
		}
		rival := cf.Rival
		if rival == "" {
			rival = "(nothing)"
		}
		fmt.Fprintf(w, "%3d  %s → %s\n", len(cf.Questions), cf.Entry, rival)
		for _, q := range cf.Questions[:min(examples, len(cf.Questions))] {
			fmt.Fprintf(w, "       %s\n", q)
		}
	}
}
