package handoff

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/legalbot/legalbot/config"
)

// exampleYAML is the handoff section of the issue, kept with the config
// package's tests. In 2026, Oct 1 and 2 are Thursday and Friday, Dec 5 is a
// Saturday and Dec 7 a Monday.
var exampleYAML = func() string {
	data, err := os.ReadFile(filepath.Join("..", "config", "testdata", "handoff.yaml"))
	if err != nil {
		panic(err)
	}
	return string(data)
}()

// loadHandoff reads yaml through config.Load, as the binary does.
func loadHandoff(t *testing.T, yaml string) config.Handoff {
	t.Helper()
	path := filepath.Join(t.TempDir(), "legalbot.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(func(k string) string {
		if k == "LEGALBOT_CONFIG" {
			return path
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.Handoff
}

func newRoster(t *testing.T, h config.Handoff) *Roster {
	t.Helper()
	r, err := NewRoster(h)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// sh is a wall-clock time in Shanghai.
func sh(year int, month time.Month, day, hour, min int) time.Time {
	return time.Date(year, month, day, hour, min, 0, 0, shanghai)
}

func TestRosterAccessors(t *testing.T) {
	r := newRoster(t, loadHandoff(t, exampleYAML))
	wang := Lawyer{ID: 1001, Name: "王律师", Languages: []string{"zh", "en"}, Specialties: []string{"labor", "family"}}

	got, ok := r.Lawyer(1001)
	if !ok {
		t.Fatal("Lawyer(1001) not found")
	}
	if diff := cmp.Diff(wang, got); diff != "" {
		t.Errorf("Lawyer(1001) (-want +got):\n%s", diff)
	}
	if _, ok := r.Lawyer(900001); ok {
		t.Error("Lawyer(900001) found; a supervisor is not a lawyer")
	}
	if diff := cmp.Diff([]Lawyer{wang}, r.Lawyers()); diff != "" {
		t.Errorf("Lawyers() (-want +got):\n%s", diff)
	}
	if !r.IsSupervisor(900001) || r.IsSupervisor(1001) {
		t.Errorf("IsSupervisor(900001), IsSupervisor(1001) = %t, %t; want true, false", r.IsSupervisor(900001), r.IsSupervisor(1001))
	}
	if diff := cmp.Diff([]int64{900001}, r.Supervisors()); diff != "" {
		t.Errorf("Supervisors() (-want +got):\n%s", diff)
	}
	if got := r.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("Location() = %s, want Asia/Shanghai", got)
	}
	if got := r.ClaimWithin(); got != 5*time.Minute {
		t.Errorf("ClaimWithin() = %s, want 5m", got)
	}
	wantEmergency := []config.EmergencyNumber{
		{Number: "110", Zh: "报警", En: "Police"},
		{Number: "120", Zh: "急救", En: "Ambulance", For: []string{"violence", "self_harm"}},
		{Number: "12338", Zh: "妇女维权热线", En: "Women's rights hotline (All-China Women's Federation)", For: []string{"violence"}},
		{Number: "12356", Zh: "心理援助热线", En: "Psychological assistance hotline", For: []string{"self_harm"}},
	}
	if diff := cmp.Diff(wantEmergency, r.Emergency()); diff != "" {
		t.Errorf("Emergency() (-want +got):\n%s", diff)
	}

	// What the roster hands out is the caller's to change.
	l, _ := r.Lawyer(1001)
	l.Languages[0] = "fr"
	r.Lawyers()[0].Specialties[0] = "tax"
	r.Emergency()[0].Number = "999"
	r.Emergency()[1].For[0] = "deadline"
	r.Supervisors()[0] = 1
	if got, _ := r.Lawyer(1001); !cmp.Equal(wang, got) || r.Emergency()[0].Number != "110" || r.Emergency()[1].For[0] != "violence" || !r.IsSupervisor(900001) {
		t.Error("changing a returned value changed the roster")
	}
}

func TestNewRosterRejectsInvalidConfig(t *testing.T) {
	h := loadHandoff(t, exampleYAML)
	h.Lawyers[0].Shifts[0].From = "9h"
	_, err := NewRoster(h)
	if err == nil || !strings.Contains(err.Error(), `handoff.lawyers[0].shifts[0].from: "9h" is not HH:MM`) {
		t.Errorf("NewRoster with a bad shift: err = %v, want one naming the key", err)
	}
}

func TestScheduled(t *testing.T) {
	r := newRoster(t, loadHandoff(t, exampleYAML))
	cases := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"Monday 10:00", sh(2026, 11, 2, 10, 0), true},
		{"Friday 17:29", sh(2026, 11, 6, 17, 29), true},
		{"Saturday 10:00", sh(2026, 11, 7, 10, 0), false},
		{"Sunday 10:00", sh(2026, 11, 8, 10, 0), false},
		{"from is inclusive: 09:00", sh(2026, 11, 2, 9, 0), true},
		{"before from: 08:59:59", sh(2026, 11, 2, 9, 0).Add(-time.Second), false},
		{"to is exclusive: 17:30", sh(2026, 11, 2, 17, 30), false},
		{"just before to: 17:29:59", sh(2026, 11, 2, 17, 30).Add(-time.Second), true},
		{"UTC 01:00 Monday is 09:00 in Shanghai", time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC), true},
		{"UTC 00:59 Monday is 08:59 in Shanghai", time.Date(2026, 11, 2, 0, 59, 0, 0, time.UTC), false},
		{"UTC 09:30 Monday is 17:30 in Shanghai", time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC), false},
		{"UTC 20:00 Sunday is Monday 04:00 in Shanghai", time.Date(2026, 11, 1, 20, 0, 0, 0, time.UTC), false},
		{"UTC 02:00 Monday via another zone", time.Date(2026, 11, 1, 21, 0, 0, 0, mustLoad("America/New_York")), true},
		{"day before the holiday", sh(2026, 9, 30, 10, 0), true},
		{"holiday Thursday Oct 1", sh(2026, 10, 1, 10, 0), false},
		{"holiday Friday Oct 2", sh(2026, 10, 2, 10, 0), false},
		{"override gives Saturday hours: 10:00", sh(2026, 12, 5, 10, 0), true},
		{"override hours: 13:59", sh(2026, 12, 5, 13, 59), true},
		{"override hours: 09:59", sh(2026, 12, 5, 9, 59), false},
		{"override hours end exclusive: 14:00", sh(2026, 12, 5, 14, 0), false},
		{"override off on Monday Dec 7", sh(2026, 12, 7, 10, 0), false},
		{"regular Tuesday after the off day", sh(2026, 12, 8, 10, 0), true},
		{"regular Friday before the override", sh(2026, 12, 4, 10, 0), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Scheduled(1001, tc.at); got != tc.want {
				t.Errorf("Scheduled(1001, %s) = %t, want %t", tc.at.In(shanghai), got, tc.want)
			}
		})
	}
	t.Run("not on the roster", func(t *testing.T) {
		if r.Scheduled(900001, sh(2026, 11, 2, 10, 0)) {
			t.Error("Scheduled(900001) = true for an id not on the roster")
		}
	})
}

// Overrides win over holidays: that is how a lawyer is put on holiday duty.
// Several overrides on one date make a split day; 24:00 ends a shift at midnight.
func TestScheduledOverridesAndMidnight(t *testing.T) {
	h := loadHandoff(t, exampleYAML)
	h.Lawyers[0].Shifts = append(h.Lawyers[0].Shifts, config.ShiftConfig{Days: []string{"sat"}, From: "20:00", To: "24:00"})
	h.Overrides = append(h.Overrides,
		config.OverrideConfig{Date: "2026-10-01", TelegramID: 1001, From: "09:00", To: "12:00"},
		config.OverrideConfig{Date: "2026-10-01", TelegramID: 1001, From: "14:00", To: "16:00"},
	)
	r := newRoster(t, h)
	for _, tc := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"holiday duty, morning", sh(2026, 10, 1, 11, 0), true},
		{"holiday duty, lunch", sh(2026, 10, 1, 13, 0), false},
		{"holiday duty, afternoon", sh(2026, 10, 1, 15, 0), true},
		{"holiday without override", sh(2026, 10, 2, 11, 0), false},
		{"Saturday 23:59", sh(2026, 11, 7, 23, 59), true},
		{"Sunday 00:00", sh(2026, 11, 8, 0, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Scheduled(1001, tc.at); got != tc.want {
				t.Errorf("Scheduled(1001, %s) = %t, want %t", tc.at, got, tc.want)
			}
		})
	}
}

// Shift times are wall-clock times: across a DST change they keep their
// local hour and move in UTC.
func TestScheduledAcrossDST(t *testing.T) {
	h := loadHandoff(t, exampleYAML)
	h.Timezone = "America/New_York"
	h.Lawyers[0].Shifts = []config.ShiftConfig{{Days: []string{"sat", "sun"}, From: "09:00", To: "17:00"}}
	h.Overrides = nil
	r := newRoster(t, h)
	utc := func(month time.Month, day, hour, min int) time.Time {
		return time.Date(2026, month, day, hour, min, 0, 0, time.UTC)
	}
	// Clocks go forward on Sunday 2026-03-08 (EST −5 → EDT −4) and back on
	// Sunday 2026-11-01.
	for _, tc := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"Sat Mar 7 13:30 UTC is 08:30 EST", utc(3, 7, 13, 30), false},
		{"Sat Mar 7 14:00 UTC is 09:00 EST", utc(3, 7, 14, 0), true},
		{"Sun Mar 8 13:00 UTC is 09:00 EDT", utc(3, 8, 13, 0), true},
		{"Sun Mar 8 20:59 UTC is 16:59 EDT", utc(3, 8, 20, 59), true},
		{"Sun Mar 8 21:00 UTC is 17:00 EDT", utc(3, 8, 21, 0), false},
		{"Sat Oct 31 13:00 UTC is 09:00 EDT", utc(10, 31, 13, 0), true},
		{"Sun Nov 1 13:30 UTC is 08:30 EST", utc(11, 1, 13, 30), false},
		{"Sun Nov 1 14:00 UTC is 09:00 EST", utc(11, 1, 14, 0), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Scheduled(1001, tc.at); got != tc.want {
				t.Errorf("Scheduled(1001, %s) = %t, want %t", tc.at, got, tc.want)
			}
		})
	}
	got, ok := r.NextShiftStart(utc(3, 7, 22, 0))
	if want := utc(3, 8, 13, 0); !ok || !got.Equal(want) {
		t.Errorf("NextShiftStart(Sat Mar 7 17:00 EST) = %s, %t; want %s (09:00 EDT)", got, ok, want)
	}
}

func TestOnDuty(t *testing.T) {
	h := loadHandoff(t, exampleYAML)
	h.Lawyers = append(h.Lawyers, config.LawyerConfig{TelegramID: 1002, Name: "Li", Languages: []string{"en"},
		Shifts: []config.ShiftConfig{{Days: []string{"mon"}, From: "12:00", To: "18:00"}}})
	r := newRoster(t, h)
	monday10, monday13, saturday := sh(2026, 11, 2, 10, 0), sh(2026, 11, 2, 13, 0), sh(2026, 11, 7, 10, 0)
	for _, tc := range []struct {
		name   string
		at     time.Time
		manual map[int64]bool
		want   []int64
	}{
		{"scheduled, nil manual", monday10, nil, []int64{1001}},
		{"both scheduled, configuration order", monday13, map[int64]bool{}, []int64{1001, 1002}},
		{"nobody on Saturday", saturday, nil, nil},
		{"/onduty on Saturday", saturday, map[int64]bool{1002: true}, []int64{1002}},
		{"/offduty during the shift", monday13, map[int64]bool{1001: false}, []int64{1002}},
		{"/onduty while scheduled", monday10, map[int64]bool{1001: true}, []int64{1001}},
		{"/onduty and /offduty", monday10, map[int64]bool{1001: false, 1002: true}, []int64{1002}},
		{"ids not on the roster are ignored", saturday, map[int64]bool{900001: true, 5: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ids(r.OnDuty(tc.at, tc.manual))); diff != "" {
				t.Errorf("OnDuty(%s, %v) ids (-want +got):\n%s", tc.at, tc.manual, diff)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	r := newRoster(t, loadHandoff(t, exampleYAML))
	lawyers := []Lawyer{
		{ID: 1, Languages: []string{"zh", "en"}, Specialties: []string{"labor"}},
		{ID: 2, Languages: []string{"zh"}},
		{ID: 3, Languages: []string{"en"}, Specialties: []string{"family"}},
		{ID: 4, Languages: []string{"zh"}, Specialties: []string{"family", "labor"}},
		{ID: 5, Languages: []string{"zh"}, Specialties: []string{"tenancy"}},
	}
	for _, tc := range []struct {
		name           string
		lang, category string
		want           []int64
	}{
		{"specialists first, then the others, each in order", "zh", "labor", []int64{1, 4, 2, 5}},
		{"language filters", "en", "family", []int64{3, 1}},
		{"no category keeps the order", "zh", "", []int64{1, 2, 4, 5}},
		{"category nobody lists keeps the order", "zh", "traffic", []int64{1, 2, 4, 5}},
		{"only a specialist who lacks the language", "en", "tenancy", []int64{1, 3}},
		{"nobody speaks it", "fr", "labor", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ids(r.Match(lawyers, tc.lang, tc.category))); diff != "" {
				t.Errorf("Match(%s, %s) ids (-want +got):\n%s", tc.lang, tc.category, diff)
			}
		})
	}
	t.Run("no specialties anywhere keeps the order", func(t *testing.T) {
		plain := []Lawyer{{ID: 7, Languages: []string{"en"}}, {ID: 8, Languages: []string{"en"}}}
		if diff := cmp.Diff([]int64{7, 8}, ids(r.Match(plain, "en", "labor"))); diff != "" {
			t.Errorf("Match ids (-want +got):\n%s", diff)
		}
	})
	if lawyers[0].ID != 1 || lawyers[1].ID != 2 || lawyers[3].ID != 4 {
		t.Error("Match reordered its argument")
	}
}

func TestNextShiftStart(t *testing.T) {
	h := loadHandoff(t, exampleYAML)
	r := newRoster(t, h)
	cases := []struct {
		name   string
		at     time.Time
		want   time.Time
		wantOK bool
	}{
		{"Friday evening → Monday 09:00", sh(2026, 11, 6, 18, 0), sh(2026, 11, 9, 9, 0), true},
		{"Friday evening in UTC → Monday 09:00 Shanghai", time.Date(2026, 11, 6, 10, 0, 0, 0, time.UTC), sh(2026, 11, 9, 9, 0), true},
		{"at a start, that start", sh(2026, 11, 2, 9, 0), sh(2026, 11, 2, 9, 0), true},
		{"during a shift → the next day's", sh(2026, 11, 2, 9, 1), sh(2026, 11, 3, 9, 0), true},
		{"early morning → that day's", sh(2026, 11, 3, 2, 0), sh(2026, 11, 3, 9, 0), true},
		{"over the holidays → Monday Oct 5", sh(2026, 9, 30, 18, 0), sh(2026, 10, 5, 9, 0), true},
		{"override on Saturday → its 10:00", sh(2026, 12, 4, 18, 0), sh(2026, 12, 5, 10, 0), true},
		{"off on Monday → Tuesday", sh(2026, 12, 6, 12, 0), sh(2026, 12, 8, 9, 0), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := r.NextShiftStart(tc.at)
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Errorf("NextShiftStart(%s) = %s, %t; want %s, %t", tc.at, got, ok, tc.want, tc.wantOK)
			}
			if ok && got.Location() != r.Location() {
				t.Errorf("NextShiftStart(%s) is in %s, want the roster's %s", tc.at, got.Location(), r.Location())
			}
		})
	}

	// Only one-off overrides: the horizon is 14 days.
	h.Lawyers[0].Shifts = nil
	h.Overrides = []config.OverrideConfig{{Date: "2026-12-20", TelegramID: 1001, From: "09:00", To: "10:00"}}
	r = newRoster(t, h)
	for _, tc := range []struct {
		name   string
		at     time.Time
		wantOK bool
	}{
		{"exactly 14 days ahead", sh(2026, 12, 6, 9, 0), true},
		{"14 days and a minute ahead", sh(2026, 12, 6, 8, 59), false},
		{"after the last start", sh(2026, 12, 20, 9, 1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := r.NextShiftStart(tc.at)
			if ok != tc.wantOK || ok && !got.Equal(sh(2026, 12, 20, 9, 0)) {
				t.Errorf("NextShiftStart(%s) = %s, %t; want 2026-12-20 09:00, %t", tc.at, got, ok, tc.wantOK)
			}
		})
	}

	t.Run("empty roster", func(t *testing.T) {
		r := newRoster(t, config.Default().Handoff)
		if got, ok := r.NextShiftStart(sh(2026, 11, 2, 9, 0)); ok {
			t.Errorf("NextShiftStart on an empty roster = %s, true; want false", got)
		}
		if got := r.OnDuty(sh(2026, 11, 2, 9, 0), map[int64]bool{1: true}); got != nil {
			t.Errorf("OnDuty on an empty roster = %v, want none", got)
		}
	})
}

func ids(ls []Lawyer) []int64 {
	var out []int64
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}
