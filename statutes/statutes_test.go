package statutes_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/statutes"
)

// statutesDir is the shared statutes folder beside the project, or
// LEGALBOT_TEST_STATUTES_DIR. Tests that need it skip when it is absent.
func statutesDir(t *testing.T) string {
	dir := os.Getenv("LEGALBOT_TEST_STATUTES_DIR")
	if dir == "" {
		dir = "../../shared/statutes"
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("no statutes folder at %s", dir)
	}
	return dir
}

func TestLoadStatutes(t *testing.T) {
	lib, err := statutes.Load(os.DirFS(statutesDir(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		law  string
		art  int
		want string
	}{
		{"劳动合同法", 30, "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬"},
		{"中华人民共和国劳动合同法", 82, "二倍的工资"},
		{"民法典", 1079, "夫妻一方要求离婚"},          // the Civil Code's books are one law
		{"民事诉讼法", 122, "起诉必须符合下列条件"},       // the 2023 version, not 2021
		{"《法律援助法》", 31, "可以向法律援助机构申请法律援助"}, // brackets and prefix tolerated
	} {
		got, ok := lib.Article(tc.law, tc.art)
		if !ok || !strings.Contains(got, tc.want) {
			t.Errorf("%s art. %d = %q, want text containing %q", tc.law, tc.art, got, tc.want)
		}
	}
	if law, _ := lib.Law("民事诉讼法"); law.Version != "2023-09-01" {
		t.Errorf("民事诉讼法 version %s, want the newest (2023-09-01)", law.Version)
	}
}

// Every citation of the built-in knowledge base resolves to an article of
// the newest version of its statute.
func TestBuiltinCitationsResolve(t *testing.T) {
	lib, err := statutes.Load(os.DirFS(statutesDir(t)))
	if err != nil {
		t.Fatal(err)
	}
	kb, _, err := knowledge.Builtin(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range kb.Entries {
		n += len(e.Citations)
	}
	if n == 0 {
		t.Fatal("no citations in the knowledge base")
	}
	for _, p := range lib.CheckProblems(kb) {
		t.Error(p.String())
	}
}
