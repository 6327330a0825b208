package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// exampleHandoff is the handoff section of the issue, as an office writes it
// (shared with the handoff package's tests).
var exampleHandoff = func() string {
	data, err := os.ReadFile(filepath.Join("testdata", "handoff.yaml"))
	if err != nil {
		panic(err)
	}
	return string(data)
}()

const exampleEmergency = `  emergency:
    - {number: "110", zh: 报警, en: Police}
    - {number: "120", zh: 急救, en: Ambulance, for: [violence, self_harm]}
    - {number: "12338", zh: 妇女维权热线, en: Women's rights hotline (All-China Women's Federation), for: [violence]}
    - {number: "12356", zh: 心理援助热线, en: Psychological assistance hotline, for: [self_harm]}
`

func loadYAML(t *testing.T, yaml string) (Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "legalbot.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(env("LEGALBOT_CONFIG", path))
}

func TestHandoffDefaults(t *testing.T) {
	c, err := Load(env())
	if err != nil {
		t.Fatal(err)
	}
	want := Handoff{Timezone: "Asia/Shanghai", ClaimWithin: Duration(5 * time.Minute), Emergency: defaultEmergency()}
	if diff := cmp.Diff(want, c.Handoff); diff != "" {
		t.Errorf("handoff defaults (-want +got):\n%s", diff)
	}
	// Each Default has its own slice: changing one must not change the next.
	c.Handoff.Emergency[0].Number = "999"
	if got := Default().Handoff.Emergency[0].Number; got != "110" {
		t.Errorf("Default().Handoff.Emergency[0].Number = %q after a caller's change, want 110", got)
	}
}

func TestHandoffExampleLoads(t *testing.T) {
	want := Handoff{
		Timezone:    "Asia/Shanghai",
		ClaimWithin: Duration(5 * time.Minute),
		Supervisors: []int64{900001},
		Lawyers: []LawyerConfig{{
			TelegramID:  1001,
			Name:        "王律师",
			Languages:   []string{"zh", "en"},
			Specialties: []string{"labor", "family"},
			Shifts:      []ShiftConfig{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:30"}},
		}},
		Holidays: []string{"2026-10-01", "2026-10-02"},
		Overrides: []OverrideConfig{
			{Date: "2026-12-05", TelegramID: 1001, From: "10:00", To: "14:00"},
			{Date: "2026-12-07", TelegramID: 1001, Off: true},
		},
		Emergency: defaultEmergency(),
	}
	for _, tc := range []struct {
		name string
		yaml string
	}{
		{"emergency absent", exampleHandoff},
		{"emergency as documented", exampleHandoff + exampleEmergency},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadYAML(t, tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, c.Handoff); diff != "" {
				t.Errorf("handoff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHandoffPartialKeepsDefaults(t *testing.T) {
	// Unquoted times and dates are strings to YAML v3 too.
	c, err := loadYAML(t, `handoff:
  supervisors: [-1001234567890]
  lawyers:
    - {telegram_id: 7, name: Li, languages: [en], shifts: [{days: [sat], from: 09:00, to: 24:00}]}
  holidays: [2026-10-01]
  emergency:
    - {number: "999", zh: 紧急电话, en: Emergency}
`)
	if err != nil {
		t.Fatal(err)
	}
	h := c.Handoff
	if h.Timezone != "Asia/Shanghai" || time.Duration(h.ClaimWithin) != 5*time.Minute {
		t.Errorf("timezone, claim_within = %q, %s; want the defaults Asia/Shanghai, 5m", h.Timezone, time.Duration(h.ClaimWithin))
	}
	if got, want := h.Lawyers[0].Shifts[0], (ShiftConfig{Days: []string{"sat"}, From: "09:00", To: "24:00"}); !cmp.Equal(want, got) {
		t.Errorf("shift = %+v, want %+v", got, want)
	}
	if got := h.Holidays; !cmp.Equal([]string{"2026-10-01"}, got) {
		t.Errorf("holidays = %q, want [2026-10-01]", got)
	}
	if diff := cmp.Diff([]EmergencyNumber{{Number: "999", Zh: "紧急电话", En: "Emergency"}}, h.Emergency); diff != "" {
		t.Errorf("an office's emergency list must replace the defaults (-want +got):\n%s", diff)
	}
}

// Every bad value is reported, each naming its YAML key path (and the lawyer).
func TestHandoffValidation(t *testing.T) {
	good := func() Handoff {
		c, err := loadYAML(t, exampleHandoff)
		if err != nil {
			t.Fatal(err)
		}
		return c.Handoff
	}
	cases := []struct {
		name   string
		change func(h *Handoff)
		want   []string // substrings of the error, path first
	}{
		{"unknown time zone", func(h *Handoff) { h.Timezone = "Asia/Beijing" },
			[]string{`handoff.timezone: "Asia/Beijing" is not a known IANA time zone`}},
		{"host time zone", func(h *Handoff) { h.Timezone = "Local" }, []string{`handoff.timezone: must be an IANA time zone`}},
		{"empty time zone", func(h *Handoff) { h.Timezone = "" }, []string{`handoff.timezone: `}},
		{"zero claim_within", func(h *Handoff) { h.ClaimWithin = 0 }, []string{`handoff.claim_within: must be a positive duration`}},
		{"negative claim_within", func(h *Handoff) { h.ClaimWithin = Duration(-time.Minute) }, []string{`handoff.claim_within: `}},
		{"zero supervisor", func(h *Handoff) { h.Supervisors = []int64{0} }, []string{`handoff.supervisors[0]: `}},
		{"duplicate supervisor", func(h *Handoff) { h.Supervisors = []int64{5, 5} }, []string{`handoff.supervisors[1]: 5 is also handoff.supervisors[0]`}},
		{"bad from", func(h *Handoff) {
			h.Lawyers[0].Shifts = append(h.Lawyers[0].Shifts, ShiftConfig{Days: []string{"sat"}, From: "9h", To: "12:00"})
		}, []string{`handoff.lawyers[0].shifts[1].from: "9h" is not HH:MM (lawyer 王律师, telegram_id 1001)`}},
		{"out-of-range times", func(h *Handoff) { h.Lawyers[0].Shifts[0].From, h.Lawyers[0].Shifts[0].To = "25:00", "24:30" },
			[]string{`handoff.lawyers[0].shifts[0].from: "25:00"`, `handoff.lawyers[0].shifts[0].to: "24:30"`}},
		{"signed or short times", func(h *Handoff) { h.Lawyers[0].Shifts[0].From, h.Lawyers[0].Shifts[0].To = "+9:00", "9:00" },
			[]string{`shifts[0].from: "+9:00" is not HH:MM`, `shifts[0].to: "9:00" is not HH:MM`}},
		{"from not before to", func(h *Handoff) { h.Lawyers[0].Shifts[0].From, h.Lawyers[0].Shifts[0].To = "22:00", "06:00" },
			[]string{`handoff.lawyers[0].shifts[0].to: "06:00" must be after from "22:00" (a shift may not cross midnight`}},
		{"empty shift", func(h *Handoff) { h.Lawyers[0].Shifts[0].From, h.Lawyers[0].Shifts[0].To = "09:00", "09:00" },
			[]string{`handoff.lawyers[0].shifts[0].to: "09:00" must be after from "09:00"`}},
		{"bad day", func(h *Handoff) { h.Lawyers[0].Shifts[0].Days[2] = "Wednesday" },
			[]string{`handoff.lawyers[0].shifts[0].days[2]: "Wednesday" is not a day (mon, tue, wed, thu, fri, sat, sun) (lawyer 王律师, telegram_id 1001)`}},
		{"no days", func(h *Handoff) { h.Lawyers[0].Shifts[0].Days = nil }, []string{`handoff.lawyers[0].shifts[0].days: must list at least one day`}},
		{"bad language", func(h *Handoff) { h.Lawyers[0].Languages = []string{"zh", "EN", "x"} },
			[]string{`handoff.lawyers[0].languages[1]: "EN" is not a language code`, `handoff.lawyers[0].languages[2]: "x"`}},
		{"no language", func(h *Handoff) { h.Lawyers[0].Languages = nil }, []string{`handoff.lawyers[0].languages: must list at least one language`}},
		{"bad specialty", func(h *Handoff) { h.Lawyers[0].Specialties = []string{"Labor Law"} },
			[]string{`handoff.lawyers[0].specialties[0]: "Labor Law" is not a category id`}},
		{"no name", func(h *Handoff) { h.Lawyers[0].Name = " " }, []string{`handoff.lawyers[0].name: must not be empty`}},
		{"bad telegram_id", func(h *Handoff) { h.Lawyers[0].TelegramID = -5 },
			[]string{`handoff.lawyers[0].telegram_id: must be the lawyer's Telegram user id (a positive number), got -5 (lawyer 王律师, telegram_id -5)`}},
		{"duplicate telegram_id", func(h *Handoff) {
			h.Lawyers = append(h.Lawyers, LawyerConfig{TelegramID: 1001, Name: "李律师", Languages: []string{"zh"}})
		}, []string{`handoff.lawyers[1].telegram_id: 1001 is also handoff.lawyers[0] (lawyer 李律师, telegram_id 1001)`}},
		{"bad holiday", func(h *Handoff) { h.Holidays = []string{"2026-10-01", "2026/10/02", "2026-02-30"} },
			[]string{`handoff.holidays[1]: "2026/10/02" is not a date YYYY-MM-DD`, `handoff.holidays[2]: "2026-02-30"`}},
		{"override of someone not on the roster", func(h *Handoff) { h.Overrides[0].TelegramID = 2002 },
			[]string{`handoff.overrides[0].telegram_id: 2002 is not on handoff.lawyers`}},
		{"bad override date", func(h *Handoff) { h.Overrides[1].Date = "7 Dec" },
			[]string{`handoff.overrides[1].date: "7 Dec" is not a date YYYY-MM-DD (lawyer 王律师, telegram_id 1001)`}},
		{"bad override hours", func(h *Handoff) { h.Overrides[0].To = "09:00" },
			[]string{`handoff.overrides[0].to: "09:00" must be after from "10:00" (a shift`, `(lawyer 王律师, telegram_id 1001)`}},
		{"override with only from", func(h *Handoff) { h.Overrides[0].To = "" }, []string{`handoff.overrides[0].to: "" is not HH:MM`}},
		{"override with neither hours nor off", func(h *Handoff) { h.Overrides[0].From, h.Overrides[0].To = "", "" },
			[]string{`handoff.overrides[0]: must set from and to, or off: true`}},
		{"override off with hours", func(h *Handoff) { h.Overrides[1].From, h.Overrides[1].To = "10:00", "12:00" },
			[]string{`handoff.overrides[1].off: set either off: true or from and to, not both`}},
		{"override off and hours on the same date", func(h *Handoff) { h.Overrides[1].Date = "2026-12-05" },
			[]string{`handoff.overrides[1].off: conflicts with handoff.overrides[0]`}},
		{"empty emergency list", func(h *Handoff) { h.Emergency = nil }, []string{`handoff.emergency: must list at least one number`}},
		{"bad emergency number", func(h *Handoff) {
			h.Emergency = []EmergencyNumber{{Number: "call 110", Zh: "报警", En: "Police"}, {Number: "120"}}
		},
			[]string{`handoff.emergency[0].number: "call 110" is not a telephone number`, `handoff.emergency[1].zh: `, `handoff.emergency[1].en: `}},
		{"emergency number for an unknown urgency", func(h *Handoff) {
			h.Emergency = []EmergencyNumber{{Number: "12356", Zh: "心理援助热线", En: "Crisis line", For: []string{"self_harm", "sadness"}}}
		},
			[]string{`handoff.emergency[0].for[1]: "sadness" is not one of detention, violence, self_harm`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := good()
			tc.change(&h)
			err := h.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want errors containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() =\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
	t.Run("example is valid", func(t *testing.T) {
		if err := good().Validate(); err != nil {
			t.Errorf("Validate() = %v, want nil", err)
		}
	})
}

// A bad handoff section surfaces through Load with the rest of the problems.
func TestHandoffErrorsThroughLoad(t *testing.T) {
	yaml := strings.Replace(exampleHandoff, `from: "09:00"`, `from: "9h"`, 1) + "  timezone_typo: x\n"
	if _, err := loadYAML(t, yaml); err == nil || !strings.Contains(err.Error(), "timezone_typo") {
		t.Errorf("unknown handoff key: err = %v, want one naming it", err)
	}
	yaml = strings.Replace(exampleHandoff, `from: "09:00"`, `from: "9h"`, 1)
	_, err := loadYAML(t, strings.Replace(yaml, "claim_within: 5m", "claim_within: 0s", 1)+"log:\n  level: loud\n")
	if err == nil {
		t.Fatal("want errors")
	}
	for _, w := range []string{`handoff.lawyers[0].shifts[0].from: "9h" is not HH:MM`, "handoff.claim_within", "LEGALBOT_LOG_LEVEL"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Load error =\n%v\nwant it to contain %q", err, w)
		}
	}
}

func TestParseClock(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  bool
	}{
		{in: "00:00", want: 0}, {in: "09:00", want: 540}, {in: "17:30", want: 1050}, {in: "23:59", want: 1439}, {in: "24:00", want: 1440},
		{in: "24:01", err: true}, {in: "12:60", err: true}, {in: "9:00", err: true}, {in: "09:00:00", err: true}, {in: "-1:00", err: true}, {in: "", err: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseClock(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("ParseClock(%q) = %d, %v; want %d, error %t", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestEmergencyLabel(t *testing.T) {
	e := defaultEmergency()[0]
	if got := e.Label("en"); got != "Police" {
		t.Errorf("Label(en) = %q, want Police", got)
	}
	for _, lang := range []string{"zh", "fr", ""} {
		if got := e.Label(lang); got != "报警" {
			t.Errorf("Label(%q) = %q, want 报警", lang, got)
		}
	}
}
