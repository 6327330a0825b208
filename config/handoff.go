package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	// The roster's time zone must load even where the system has no zoneinfo
	// (tests, go run, distroless); the release build also sets -tags timetzdata.
	_ "time/tzdata"
)

// Handoff configures the handoff of a case from the bot to a lawyer: who is
// on the roster and when, who receives escalations, and the emergency numbers
// shown to urgent cases. It is read from the YAML file only (key handoff).
type Handoff struct {
	// Timezone is the IANA name (e.g. Asia/Shanghai) that shift times,
	// holidays and overrides are read in.
	Timezone string `yaml:"timezone"`
	// ClaimWithin is how long a case may wait unclaimed before lawyers are
	// notified again and supervisors are alerted.
	ClaimWithin Duration `yaml:"claim_within"`
	// Supervisors are the Telegram chat ids that receive escalations; a group
	// chat id (negative) is allowed.
	Supervisors []int64        `yaml:"supervisors"`
	Lawyers     []LawyerConfig `yaml:"lawyers"`
	// Holidays are dates (YYYY-MM-DD) on which no regular shift runs.
	Holidays []string `yaml:"holidays"`
	// Overrides change one lawyer's hours on one date.
	Overrides []OverrideConfig `yaml:"overrides"`
	// Emergency lists the numbers shown to urgent cases. When the key is
	// absent it is the national numbers of defaultEmergency; when
	// present it replaces them.
	Emergency []EmergencyNumber `yaml:"emergency"`
}

// LawyerConfig is one lawyer on the roster.
type LawyerConfig struct {
	// TelegramID is the lawyer's Telegram user id, which is also their chat id
	// with the bot.
	TelegramID int64  `yaml:"telegram_id"`
	Name       string `yaml:"name"`
	// Languages are the language codes (zh, en, …) the lawyer takes cases in.
	Languages []string `yaml:"languages"`
	// Specialties are knowledge-base category ids (labor, family, …) the
	// lawyer prefers; empty means a generalist.
	Specialties []string `yaml:"specialties"`
	// Shifts are the lawyer's regular weekly hours.
	Shifts []ShiftConfig `yaml:"shifts"`
}

// ShiftConfig is a weekly shift: on each of Days, from From (inclusive) to To
// (exclusive), wall-clock time in Handoff.Timezone. A shift does not cross
// midnight; To may be "24:00".
type ShiftConfig struct {
	// Days are mon, tue, wed, thu, fri, sat, sun.
	Days []string `yaml:"days"`
	// From and To are HH:MM.
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

// OverrideConfig replaces one lawyer's shifts on one date: either with the
// hours From–To, or, when Off is true, with none. Several overrides for the
// same lawyer and date add up (a split day). An override applies on a
// holiday too: it is how a lawyer is put on holiday duty.
type OverrideConfig struct {
	// Date is YYYY-MM-DD in Handoff.Timezone.
	Date       string `yaml:"date"`
	TelegramID int64  `yaml:"telegram_id"`
	From       string `yaml:"from"`
	To         string `yaml:"to"`
	Off        bool   `yaml:"off"`
}

// EmergencyNumber is a telephone number shown to urgent cases, with what it
// is for in each citizen language.
type EmergencyNumber struct {
	Number string `yaml:"number"`
	Zh     string `yaml:"zh"`
	En     string `yaml:"en"`
	// For lists the kinds of urgency the number is shown for (see
	// EmergencyUrgencies); empty means every kind. A crisis line belongs
	// with self-harm, the women's rights hotline with violence.
	For []string `yaml:"for,omitempty"`
}

// EmergencyUrgencies are the kinds of urgency that get emergency numbers,
// by the names the bot's urgency detector gives them (a hearing or deadline
// within days needs a lawyer, not an emergency number).
var EmergencyUrgencies = []string{"detention", "violence", "self_harm"}

// ShownFor reports whether the number is shown for the urgency named: one
// of EmergencyUrgencies that the number is for.
func (e EmergencyNumber) ShownFor(urgency string) bool {
	if !slices.Contains(EmergencyUrgencies, urgency) {
		return false
	}
	return len(e.For) == 0 || slices.Contains(e.For, urgency)
}

// Label returns what the number is for in lang: the English text for "en",
// the Chinese text otherwise.
func (e EmergencyNumber) Label(lang string) string {
	if lang == "en" {
		return e.En
	}
	return e.Zh
}

// defaultEmergency returns the emergency numbers used when the YAML file
// does not list any. Each call returns a new slice.
func defaultEmergency() []EmergencyNumber {
	return []EmergencyNumber{
		{Number: "110", Zh: "报警", En: "Police"},
		{Number: "120", Zh: "急救", En: "Ambulance", For: []string{"violence", "self_harm"}},
		{Number: "12338", Zh: "妇女维权热线", En: "Women's rights hotline (All-China Women's Federation)", For: []string{"violence"}},
		// The national psychological assistance hotline, answered in every
		// province since 1 May 2025 (National Health Commission).
		{Number: "12356", Zh: "心理援助热线", En: "Psychological assistance hotline", For: []string{"self_harm"}},
	}
}

// weekdays maps the day names of ShiftConfig.Days to time.Weekday.
var weekdays = map[string]time.Weekday{
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
}

// ParseWeekday reads a day name of ShiftConfig.Days (mon … sun).
func ParseWeekday(s string) (time.Weekday, error) {
	d, ok := weekdays[s]
	if !ok {
		return 0, fmt.Errorf("%q is not a day (mon, tue, wed, thu, fri, sat, sun)", s)
	}
	return d, nil
}

// ParseClock reads a wall-clock time "HH:MM" (00:00 to 24:00) and returns
// minutes since midnight, 0 to 1440.
func ParseClock(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[3]) || !isDigit(s[4]) {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 24 || m > 59 || h == 24 && m != 0 {
		return 0, fmt.Errorf("%q is not HH:MM between 00:00 and 24:00", s)
	}
	return h*60 + m, nil
}

// ParseDate reads a date "YYYY-MM-DD" and returns its year, month and day.
func ParseDate(s string) (year int, month time.Month, day int, err error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	year, month, day = t.Date()
	return year, month, day, nil
}

// Validate reports every invalid value of the handoff configuration, each
// naming its YAML key path and, under lawyers and overrides, the lawyer.
func (h Handoff) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	switch h.Timezone {
	case "", "Local":
		// LoadLocation accepts both, but they mean UTC or whatever zone the
		// host has: shift times would silently move between machines.
		bad("handoff.timezone", "must be an IANA time zone such as Asia/Shanghai, got %q", h.Timezone)
	default:
		if _, err := time.LoadLocation(h.Timezone); err != nil {
			bad("handoff.timezone", "%q is not a known IANA time zone such as Asia/Shanghai", h.Timezone)
		}
	}
	if d := time.Duration(h.ClaimWithin); d <= 0 {
		bad("handoff.claim_within", "must be a positive duration such as 5m, got %s", d)
	}

	seenSup := map[int64]int{}
	for i, id := range h.Supervisors {
		path := fmt.Sprintf("handoff.supervisors[%d]", i)
		if id == 0 {
			bad(path, "must be a Telegram chat id, got 0")
			continue
		}
		if j, dup := seenSup[id]; dup {
			bad(path, "%d is also handoff.supervisors[%d]", id, j)
			continue
		}
		seenSup[id] = i
	}

	// lawyers maps each telegram_id to its lawyer, for duplicates and overrides.
	lawyers := map[int64]int{}
	for i, l := range h.Lawyers {
		who := lawyerLabel(l)
		path := fmt.Sprintf("handoff.lawyers[%d]", i)
		lbad := func(key, format string, args ...any) {
			bad(path+key, format+" (%s)", append(args, who)...)
		}
		switch j, dup := lawyers[l.TelegramID]; {
		case l.TelegramID <= 0:
			lbad(".telegram_id", "must be the lawyer's Telegram user id (a positive number), got %d", l.TelegramID)
		case dup:
			lbad(".telegram_id", "%d is also handoff.lawyers[%d]", l.TelegramID, j)
		default:
			lawyers[l.TelegramID] = i
		}
		if strings.TrimSpace(l.Name) == "" {
			lbad(".name", "must not be empty")
		}
		if len(l.Languages) == 0 {
			lbad(".languages", "must list at least one language, such as [zh, en]")
		}
		for k, lang := range l.Languages {
			if !validLanguage(lang) {
				lbad(fmt.Sprintf(".languages[%d]", k), "%q is not a language code (2–8 lowercase letters, such as zh or en)", lang)
			}
		}
		for k, s := range l.Specialties {
			if !validCategoryID(s) {
				lbad(fmt.Sprintf(".specialties[%d]", k), "%q is not a category id (lowercase letters, digits, - and _, such as labor)", s)
			}
		}
		for k, s := range l.Shifts {
			spath := fmt.Sprintf(".shifts[%d]", k)
			if len(s.Days) == 0 {
				lbad(spath+".days", "must list at least one day, such as [mon, tue, wed, thu, fri]")
			}
			for d, day := range s.Days {
				if _, err := ParseWeekday(day); err != nil {
					lbad(fmt.Sprintf("%s.days[%d]", spath, d), "%v", err)
				}
			}
			checkHours(s.From, s.To, func(key, msg string) { lbad(spath+key, "%s", msg) })
		}
	}

	for i, d := range h.Holidays {
		if _, _, _, err := ParseDate(d); err != nil {
			bad(fmt.Sprintf("handoff.holidays[%d]", i), "%v", err)
		}
	}

	type lawyerDate struct {
		id   int64
		date string
	}
	offs, hours := map[lawyerDate]int{}, map[lawyerDate]int{}
	for i, o := range h.Overrides {
		path := fmt.Sprintf("handoff.overrides[%d]", i)
		who := fmt.Sprintf("telegram_id %d", o.TelegramID)
		j, known := lawyers[o.TelegramID]
		if known {
			who = lawyerLabel(h.Lawyers[j])
		} else {
			bad(path+".telegram_id", "%d is not on handoff.lawyers", o.TelegramID)
		}
		obad := func(key, format string, args ...any) {
			bad(path+key, format+" (%s)", append(args, who)...)
		}
		_, _, _, dateErr := ParseDate(o.Date)
		if dateErr != nil {
			obad(".date", "%v", dateErr)
		}
		key := lawyerDate{o.TelegramID, o.Date}
		if o.Off {
			if o.From != "" || o.To != "" {
				obad(".off", "set either off: true or from and to, not both")
			} else if j, ok := hours[key]; ok {
				obad(".off", "conflicts with handoff.overrides[%d], which gives hours on %s", j, o.Date)
			}
			offs[key] = i
			continue
		}
		if o.From == "" && o.To == "" {
			obad("", "must set from and to, or off: true")
			continue
		}
		if j, ok := offs[key]; ok {
			obad(".from", "conflicts with handoff.overrides[%d], which is off on %s", j, o.Date)
		}
		hours[key] = i
		checkHours(o.From, o.To, func(key, msg string) { obad(key, "%s", msg) })
	}

	if len(h.Emergency) == 0 {
		bad("handoff.emergency", "must list at least one number (remove the key for the defaults 110, 120, 12338, 12356)")
	}
	for i, e := range h.Emergency {
		path := fmt.Sprintf("handoff.emergency[%d]", i)
		if !validPhone(e.Number) {
			bad(path+".number", "%q is not a telephone number (digits, spaces, +, -)", e.Number)
		}
		if strings.TrimSpace(e.Zh) == "" {
			bad(path+".zh", "must say what %s is for, in Chinese", e.Number)
		}
		if strings.TrimSpace(e.En) == "" {
			bad(path+".en", "must say what %s is for, in English", e.Number)
		}
		for j, u := range e.For {
			if !slices.Contains(EmergencyUrgencies, u) {
				bad(fmt.Sprintf("%s.for[%d]", path, j), "%q is not one of %s", u, strings.Join(EmergencyUrgencies, ", "))
			}
		}
	}
	return errors.Join(errs...)
}

// checkHours reports, through bad with the key ".from" or ".to", why from–to
// is not a same-day span of HH:MM times.
func checkHours(from, to string, bad func(key, msg string)) {
	f, errFrom := ParseClock(from)
	if errFrom != nil {
		bad(".from", errFrom.Error())
	}
	t, errTo := ParseClock(to)
	if errTo != nil {
		bad(".to", errTo.Error())
	}
	if errFrom == nil && errTo == nil && f >= t {
		bad(".to", fmt.Sprintf("%q must be after from %q (a shift may not cross midnight; end it at 24:00 and start another at 00:00)", to, from))
	}
}

// lawyerLabel names a lawyer in error messages.
func lawyerLabel(l LawyerConfig) string {
	if l.Name == "" {
		return fmt.Sprintf("lawyer telegram_id %d", l.TelegramID)
	}
	return fmt.Sprintf("lawyer %s, telegram_id %d", l.Name, l.TelegramID)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func validLanguage(s string) bool {
	if len(s) < 2 || len(s) > 8 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func validCategoryID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '+' || r == '-':
		default:
			return false
		}
	}
	return digits > 0
}
