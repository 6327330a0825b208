package handoff

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// A roster document carries the whole configuration: the roster built from
// it behaves as the one built from the configuration.
func TestDocRoundTrip(t *testing.T) {
	h := loadHandoff(t, exampleYAML)
	doc, err := Doc(h)
	if err != nil {
		t.Fatal(err)
	}
	r, back, err := FromDoc(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, h) {
		t.Errorf("document changed the configuration:\n%+v\n%+v", back, h)
	}
	want := newRoster(t, h)
	for _, at := range []time.Time{sh(2026, 12, 4, 10, 0), sh(2026, 12, 5, 11, 0), sh(2026, 12, 5, 15, 0), sh(2026, 12, 7, 10, 0), sh(2026, 10, 1, 10, 0)} {
		if got, w := r.Scheduled(1001, at), want.Scheduled(1001, at); got != w {
			t.Errorf("Scheduled(1001, %v) = %v from the document, %v from the configuration", at, got, w)
		}
	}
	if r.ClaimWithin() != 5*time.Minute || !r.IsSupervisor(900001) {
		t.Errorf("claim within %v, supervisors %v", r.ClaimWithin(), r.Supervisors())
	}
	if _, _, err := FromDoc([]byte("{not json")); err == nil || !strings.Contains(err.Error(), "decode roster") {
		t.Errorf("broken document: %v", err)
	}
	h.Timezone = "Mars/Olympus_Mons"
	doc, _ = Doc(h)
	if _, _, err := FromDoc(doc); err == nil {
		t.Error("invalid roster document accepted")
	}
}
