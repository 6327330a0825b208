package knowledge

import (
	"math"
	"slices"
	"sort"
	"strings"
)

// Query is what the search is asked: the citizen's message and, for a
// follow-up, the earlier messages it continues.
type Query struct {
	Text string
	// Context holds earlier messages of the conversation, newest first.
	// Their terms count at ContextWeight and never outweigh the text's own.
	Context []string
	// Limit caps the hits returned (default 10).
	Limit int
}

// ContextWeight is the weight of a context term relative to the query's own.
const ContextWeight = 0.5

// Hit is one entry found for a query.
type Hit struct {
	Entry *Entry
	// Score is the BM25F relevance; it ranks hits of one query.
	Score float64
	// Coverage is the IDF-weighted share of the query's terms the entry has
	// in its questions or tags.
	Coverage float64
	// QuestionMatch is the IDF-weighted share of the entry's best-matching
	// question that the query contains.
	QuestionMatch float64
	// Confidence (0–1) combines both: how sure the search is that this entry
	// answers the query. The policy compares it with its thresholds.
	Confidence float64
}

// Searcher finds entries for a query, best first.
type Searcher interface {
	Search(q Query) []Hit
}

// Field weights of BM25F: a citizen's words are most telling when they match
// a curated question, less in tags, least in the answer's prose.
const (
	fieldQuestions = iota
	fieldTags
	fieldAnswer
	numFields
)

var fieldWeight = [numFields]float64{1.0, 0.6, 0.25}

const (
	bm25K1 = 1.2
	bm25B  = 0.6
)

type posting struct {
	doc int32
	tf  [numFields]uint16
}

// Index is an in-memory inverted index over the published entries of a
// knowledge base. It is immutable once built and safe for concurrent use.
type Index struct {
	an       *Analyzer
	entries  []*Entry
	termID   map[string]int32
	postings [][]posting
	idf      []float64
	docLen   [][numFields]float32
	avgLen   [numFields]float64
	// questions[d] holds, per question of doc d, its distinct term ids.
	questions [][][]int32
	// keyTerms[d] is the set of term ids in doc d's questions and tags.
	keyTerms []map[int32]struct{}
	maxIDF   float64
}

// NewIndex indexes the published entries of kb.
func NewIndex(kb *KB, an *Analyzer) *Index {
	ix := &Index{an: an, termID: map[string]int32{}}
	catNames := map[string][]string{}
	for _, c := range kb.Categories {
		for _, n := range c.Names {
			catNames[c.ID] = append(catNames[c.ID], n)
		}
	}
	for _, e := range kb.Published("") {
		ix.add(e, catNames[e.Category])
	}
	ix.finish()
	return ix
}

func (ix *Index) term(t string) int32 {
	id, ok := ix.termID[t]
	if !ok {
		id = int32(len(ix.postings))
		ix.termID[t] = id
		ix.postings = append(ix.postings, nil)
	}
	return id
}

func (ix *Index) add(e *Entry, categoryNames []string) {
	doc := int32(len(ix.entries))
	ix.entries = append(ix.entries, e)
	tf := map[int32]*[numFields]uint16{}
	var lens [numFields]float32
	count := func(field int, terms []string) []int32 {
		var ids []int32
		for _, t := range terms {
			id := ix.term(t)
			c := tf[id]
			if c == nil {
				c = new([numFields]uint16)
				tf[id] = c
			}
			if c[field] < math.MaxUint16 {
				c[field]++
			}
			ids = append(ids, id)
		}
		lens[field] += float32(len(terms))
		return ids
	}
	var questions [][]int32
	keys := map[int32]struct{}{}
	for _, lang := range e.Languages() {
		t := e.Text[lang]
		for _, q := range t.Questions {
			ids := uniq(count(fieldQuestions, ix.an.Terms(q)))
			questions = append(questions, ids)
			for _, id := range ids {
				keys[id] = struct{}{}
			}
		}
		count(fieldAnswer, ix.an.Terms(t.Answer))
	}
	tags := strings.Join(append(slices.Clone(e.Tags), categoryNames...), " ; ")
	for _, id := range count(fieldTags, ix.an.Terms(tags)) {
		keys[id] = struct{}{}
	}
	for id, c := range tf {
		ix.postings[id] = append(ix.postings[id], posting{doc: doc, tf: *c})
	}
	ix.docLen = append(ix.docLen, lens)
	ix.questions = append(ix.questions, questions)
	ix.keyTerms = append(ix.keyTerms, keys)
}

func (ix *Index) finish() {
	n := float64(len(ix.entries))
	ix.idf = make([]float64, len(ix.postings))
	for id, ps := range ix.postings {
		df := float64(len(ps))
		ix.idf[id] = math.Log(1 + (n-df+0.5)/(df+0.5))
		ix.maxIDF = math.Max(ix.maxIDF, ix.idf[id])
	}
	for _, l := range ix.docLen {
		for f := range numFields {
			ix.avgLen[f] += float64(l[f])
		}
	}
	for f := range numFields {
		if n > 0 {
			ix.avgLen[f] /= n
		}
		if ix.avgLen[f] == 0 {
			ix.avgLen[f] = 1
		}
	}
}

func uniq(ids []int32) []int32 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Len is the number of indexed entries.
func (ix *Index) Len() int { return len(ix.entries) }

// queryTerm is one distinct query term with its weight: 1 for the text's
// own terms, ContextWeight for terms only in the context.
type queryTerm struct {
	id     int32 // -1 when the index has never seen the term
	weight float64
}

func (ix *Index) queryTerms(q Query) []queryTerm {
	weights := map[string]float64{}
	var order []string
	// Each distinct term counts once: repeating a word or padding the
	// message must not inflate a score.
	for _, t := range ix.an.Terms(q.Text) {
		if _, ok := weights[t]; !ok {
			order = append(order, t)
			weights[t] = 1
		}
	}
	for _, c := range q.Context {
		for _, t := range ix.an.Terms(c) {
			if _, ok := weights[t]; !ok {
				order = append(order, t)
				weights[t] = ContextWeight
			}
		}
	}
	out := make([]queryTerm, 0, len(order))
	for _, t := range order {
		id, ok := ix.termID[t]
		if !ok {
			id = -1
		}
		out = append(out, queryTerm{id: id, weight: weights[t]})
	}
	return out
}

// Search ranks the published entries for q.
func (ix *Index) Search(q Query) []Hit {
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	qts := ix.queryTerms(q)
	scores := make(map[int32]float64, 64)
	var queryWeight float64
	for _, qt := range qts {
		if qt.id < 0 {
			// An unknown word still counts against coverage, as a rare term would.
			queryWeight += qt.weight * ix.maxIDF
			continue
		}
		idf := ix.idf[qt.id]
		queryWeight += qt.weight * idf
		for _, p := range ix.postings[qt.id] {
			var tf float64
			l := ix.docLen[p.doc]
			for f := range numFields {
				if p.tf[f] == 0 {
					continue
				}
				norm := 1 - bm25B + bm25B*float64(l[f])/ix.avgLen[f]
				tf += fieldWeight[f] * float64(p.tf[f]) / norm
			}
			scores[p.doc] += qt.weight * idf * tf / (bm25K1 + tf)
		}
	}
	if len(scores) == 0 {
		return nil
	}
	docs := make([]int32, 0, len(scores))
	for d := range scores {
		docs = append(docs, d)
	}
	sort.Slice(docs, func(i, j int) bool {
		if scores[docs[i]] != scores[docs[j]] {
			return scores[docs[i]] > scores[docs[j]]
		}
		return docs[i] < docs[j]
	})
	if len(docs) > limit {
		docs = docs[:limit]
	}
	hits := make([]Hit, len(docs))
	for i, d := range docs {
		h := Hit{Entry: ix.entries[d], Score: scores[d]}
		h.Coverage, h.QuestionMatch = ix.evidence(d, qts, queryWeight)
		h.Confidence = confidence(h.Coverage, h.QuestionMatch)
		hits[i] = h
	}
	return hits
}

// evidence computes a hit's coverage of the query and its best question match.
func (ix *Index) evidence(d int32, qts []queryTerm, queryWeight float64) (coverage, questionMatch float64) {
	inQuery := make(map[int32]float64, len(qts))
	var matched float64
	keys := ix.keyTerms[d]
	for _, qt := range qts {
		if qt.id < 0 {
			continue
		}
		inQuery[qt.id] = qt.weight
		if _, ok := keys[qt.id]; ok {
			matched += qt.weight * ix.idf[qt.id]
		}
	}
	if queryWeight > 0 {
		coverage = matched / queryWeight
	}
	for _, q := range ix.questions[d] {
		var have, total float64
		for _, id := range q {
			idf := ix.idf[id]
			total += idf
			have += inQuery[id] * idf
		}
		if total > 0 {
			questionMatch = math.Max(questionMatch, have/total)
		}
	}
	return coverage, questionMatch
}

// confidence blends the two views: a short query must be covered by the
// entry, a long story must contain one of the entry's questions.
func confidence(coverage, questionMatch float64) float64 {
	return 0.5*questionMatch + 0.5*math.Sqrt(coverage*questionMatch)
}
