package knowledge

import (
	"math/rand/v2"
	"testing"
)

// Raw postings come back as they went in, gaps and pattern indexes too
// wide for their bits included (one escape word each, or several for a gap
// wider than an escape holds).
func TestTermRangeRawPostingsRoundTrip(t *testing.T) {
	type raw struct{ doc, t, p int }
	rng := rand.New(rand.NewPCG(1, 2))
	var want []raw
	var r termRange
	doc := -1
	for i := range 20000 {
		switch {
		case i == 7:
			doc += maxEscGap + maxGap + 5 // two escapes, then a gap in bits
		case i%97 == 0:
			doc += maxGap + 1 + rng.IntN(3*maxGap)
		default:
			doc += rng.IntN(4)
			if doc < 0 {
				doc = 0
			}
		}
		p := rng.IntN(40)
		if i%53 == 0 {
			p = patEscape - 2 + rng.IntN(5000) // around and beyond the escape
		}
		tr := rng.IntN(1 << rangeBits)
		if i > 0 && doc == want[len(want)-1].doc {
			doc++ // one posting per entry and term at most; keep docs rising
		}
		r.post(int32(doc), uint32(tr), uint32(p))
		want = append(want, raw{doc, tr, p})
	}
	r.chunks, r.cur = append(r.chunks, r.cur), nil
	var got []raw
	r.eachRaw(func(d int32, tr, p int) { got = append(got, raw{int(d), tr, p}) })
	if len(got) != len(want) {
		t.Fatalf("got %d raw postings, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("raw posting %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
