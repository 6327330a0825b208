package knowledge

import (
	"strings"
	"testing"
)

// Two entries that share their words compete for each other's questions;
// an entry with words of its own keeps them. The held-out questions are
// searched without themselves in the index, so an entry does not find its
// own question by its exact words.
func TestOverlapFindsCompetingEntries(t *testing.T) {
	entry := func(id string, qs ...string) *Entry {
		return &Entry{ID: id, Category: "x", Status: Published, Text: map[string]Text{"zh": {Questions: qs, Answer: "答复。"}}}
	}
	kb := NewKB(nil, []*Entry{
		entry("deposit", "房东不退押金怎么办", "押金不退", "退房后押金要不回来", "房东扣押金合法吗"),
		// Its questions speak of a deposit too: they find "deposit".
		entry("deposit-twin", "房东扣了押金", "租房押金被扣怎么办", "房东说押金不退了", "押金可以不退吗"),
		entry("wages", "公司拖欠工资怎么办", "老板不发工资", "工资拖了三个月", "欠薪去哪里投诉"),
	})
	rep := Overlap(kb, nil, 4)
	if rep.Questions != 12 {
		t.Fatalf("held out %d questions, want 12", rep.Questions)
	}
	var twin, wages int
	for _, cf := range rep.Confusions {
		switch {
		case cf.Entry == "deposit-twin" && cf.Rival == "deposit", cf.Entry == "deposit" && cf.Rival == "deposit-twin":
			twin += len(cf.Questions)
		case cf.Entry == "wages" || cf.Rival == "wages":
			wages += len(cf.Questions)
		}
	}
	if twin == 0 {
		t.Errorf("the deposit entries do not compete: %+v", rep.Confusions)
	}
	if wages != 0 {
		t.Errorf("the wage entry competes with the deposit ones: %+v", rep.Confusions)
	}
	if rep.Own+twin+wages > rep.Questions || rep.OwnShare() <= 0 || rep.OwnShare() >= 1 {
		t.Errorf("own %d of %d (share %.2f), confused %d", rep.Own, rep.Questions, rep.OwnShare(), twin)
	}
	var b strings.Builder
	rep.Write(&b, 10, 1)
	if !strings.Contains(b.String(), "12 questions held out in 4 folds") || !strings.Contains(b.String(), "→ deposit") {
		t.Errorf("report:\n%s", b.String())
	}
	// The knowledge base itself is left as it was.
	if n := len(kb.Entry("deposit").Text["zh"].Questions); n != 4 {
		t.Errorf("deposit has %d questions after Overlap, want 4", n)
	}
}
