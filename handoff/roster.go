// Package handoff holds the handoff of a citizen's case from the bot to a
// lawyer: the duty roster, the cases, and the queue they wait in.
//
// The Roster (roster.go) says who the lawyers and supervisors are, when each
// lawyer is on duty, and which lawyers suit a case. The roster is built once
// from the configuration (or a roster document, doc.go) and never changes,
// so it is safe for concurrent use; a new roster replaces it whole.
// It keeps no state of its own: a lawyer's manual /onduty and /offduty are
// stored elsewhere and passed in. The package knows nothing about Telegram or
// Redis.
package handoff

import (
	"fmt"
	"slices"
	"time"

	"github.com/legalbot/legalbot/config"
)

// Lawyer is a lawyer on the roster.
type Lawyer struct {
	// ID is the lawyer's Telegram user id, also their chat id with the bot.
	ID   int64
	Name string
	// Languages are the language codes (zh, en, …) the lawyer takes cases in.
	Languages []string
	// Specialties are knowledge-base category ids the lawyer prefers.
	Specialties []string
}

// clone returns l with slices of its own, so a caller cannot change the roster.
func (l Lawyer) clone() Lawyer {
	l.Languages = slices.Clone(l.Languages)
	l.Specialties = slices.Clone(l.Specialties)
	return l
}

// Roster is the duty roster: the lawyers, their weekly shifts, holidays and
// one-off overrides, read in one time zone. Build it with NewRoster.
type Roster struct {
	loc         *time.Location
	claimWithin time.Duration
	supervisors []int64
	emergency   []config.EmergencyNumber
	lawyers     []Lawyer // in configuration order
	byID        map[int64]int
	weekly      map[int64]*[7][]span // by lawyer, by time.Weekday
	holidays    map[date]bool
	// overrides replace a lawyer's shifts on a date; an empty (off) entry
	// means not on duty that date.
	overrides map[lawyerDate][]span
}

// span is a wall-clock interval of one day, in minutes since midnight:
// from inclusive, to exclusive, 0 ≤ from < to ≤ 1440.
type span struct{ from, to int }

// date is a calendar date in the roster's time zone.
type date struct {
	year  int
	month time.Month
	day   int
}

type lawyerDate struct {
	id int64
	d  date
}

// at returns the instant of minutes past midnight on d in loc. time.Date
// normalises 24:00 to the next midnight and resolves DST gaps and overlaps.
func (d date) at(minutes int, loc *time.Location) time.Time {
	return time.Date(d.year, d.month, d.day, minutes/60, minutes%60, 0, 0, loc)
}

// weekday is the day of the week of d.
func (d date) weekday() time.Weekday {
	return time.Date(d.year, d.month, d.day, 12, 0, 0, 0, time.UTC).Weekday()
}

// addDays returns the date n days after d.
func (d date) addDays(n int) date {
	y, m, dd := time.Date(d.year, d.month, d.day+n, 12, 0, 0, 0, time.UTC).Date()
	return date{y, m, dd}
}

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

// NewRoster builds the roster from the handoff configuration. It validates h
// first; the error then lists every problem, as config.Handoff.Validate does.
func NewRoster(h config.Handoff) (*Roster, error) {
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("handoff roster: %w", err)
	}
	// Validate has checked every value below, so parse errors cannot occur.
	loc, err := time.LoadLocation(h.Timezone)
	if err != nil {
		return nil, fmt.Errorf("handoff roster: %w", err)
	}
	r := &Roster{
		loc:         loc,
		claimWithin: time.Duration(h.ClaimWithin),
		supervisors: slices.Clone(h.Supervisors),
		emergency:   slices.Clone(h.Emergency),
		byID:        make(map[int64]int, len(h.Lawyers)),
		weekly:      make(map[int64]*[7][]span, len(h.Lawyers)),
		holidays:    make(map[date]bool, len(h.Holidays)),
		overrides:   make(map[lawyerDate][]span, len(h.Overrides)),
	}
	for i, lc := range h.Lawyers {
		r.lawyers = append(r.lawyers, Lawyer{
			ID:          lc.TelegramID,
			Name:        lc.Name,
			Languages:   slices.Clone(lc.Languages),
			Specialties: slices.Clone(lc.Specialties),
		})
		r.byID[lc.TelegramID] = i
		week := new([7][]span)
		for _, s := range lc.Shifts {
			sp := parsedSpan(s.From, s.To)
			for _, day := range s.Days {
				wd, _ := config.ParseWeekday(day)
				week[wd] = append(week[wd], sp)
			}
		}
		r.weekly[lc.TelegramID] = week
	}
	for _, s := range h.Holidays {
		r.holidays[parsedDate(s)] = true
	}
	for _, o := range h.Overrides {
		key := lawyerDate{o.TelegramID, parsedDate(o.Date)}
		spans := r.overrides[key]
		if spans == nil {
			spans = []span{} // present and empty: off that date
		}
		if !o.Off {
			spans = append(spans, parsedSpan(o.From, o.To))
		}
		r.overrides[key] = spans
	}
	return r, nil
}

// parsedSpan and parsedDate read values Validate has accepted, so they
// ignore parse errors.
func parsedSpan(from, to string) span {
	f, _ := config.ParseClock(from)
	t, _ := config.ParseClock(to)
	return span{f, t}
}

func parsedDate(s string) date {
	y, m, d, _ := config.ParseDate(s)
	return date{y, m, d}
}

// Lawyer returns the lawyer with Telegram user id id, and whether there is one.
func (r *Roster) Lawyer(id int64) (Lawyer, bool) {
	i, ok := r.byID[id]
	if !ok {
		return Lawyer{}, false
	}
	return r.lawyers[i].clone(), true
}

// HasLawyers reports whether the roster has any lawyer.
func (r *Roster) HasLawyers() bool { return len(r.lawyers) > 0 }

// Lawyers returns every lawyer on the roster, in configuration order. The
// caller owns the returned slice.
func (r *Roster) Lawyers() []Lawyer {
	out := make([]Lawyer, len(r.lawyers))
	for i, l := range r.lawyers {
		out[i] = l.clone()
	}
	return out
}

// IsSupervisor reports whether the Telegram chat id is one of the supervisors.
func (r *Roster) IsSupervisor(id int64) bool {
	return slices.Contains(r.supervisors, id)
}

// Supervisors returns the Telegram chat ids that receive escalations, in
// configuration order. The caller owns the returned slice.
func (r *Roster) Supervisors() []int64 {
	return slices.Clone(r.supervisors)
}

// Location returns the time zone that shifts, holidays and overrides are read in.
func (r *Roster) Location() *time.Location {
	return r.loc
}

// ClaimWithin returns how long a case may wait unclaimed before lawyers are
// notified again and supervisors alerted.
func (r *Roster) ClaimWithin() time.Duration {
	return r.claimWithin
}

// Emergency returns the emergency numbers shown to urgent cases. The caller
// owns the returned slice.
func (r *Roster) Emergency() []config.EmergencyNumber {
	out := slices.Clone(r.emergency)
	for i := range out {
		out[i].For = slices.Clone(out[i].For)
	}
	return out
}

// spans returns the lawyer's shifts on d: the overrides for that date if
// there are any (none if off), else nothing on a holiday, else the weekly
// shifts of d's weekday. An override wins over a holiday, so an office can put
// a lawyer on holiday duty. The returned slice belongs to the roster.
func (r *Roster) spans(id int64, d date) []span {
	if o, ok := r.overrides[lawyerDate{id, d}]; ok {
		return o
	}
	if r.holidays[d] {
		return nil
	}
	week, ok := r.weekly[id]
	if !ok {
		return nil
	}
	return week[d.weekday()]
}

// Scheduled reports whether the lawyer's shift is on at t, read in the
// roster's time zone: a shift covers from its start (inclusive) to its end
// (exclusive). It is false for an id not on the roster. Manual /onduty and
// /offduty are not considered; see OnDuty.
func (r *Roster) Scheduled(id int64, t time.Time) bool {
	t = t.In(r.loc)
	d := dateOf(t)
	for _, s := range r.spans(id, d) {
		// Compare instants, not minutes past midnight, so that a DST change
		// within the day moves the shift's wall-clock bounds correctly.
		if !t.Before(d.at(s.from, r.loc)) && t.Before(d.at(s.to, r.loc)) {
			return true
		}
	}
	return false
}

// OnDuty returns the lawyers on duty at t, in configuration order: those
// Scheduled at t, except that manual[id] decides for a lawyer present in it
// (true after /onduty, false after /offduty). Ids in manual that are not on
// the roster are ignored; manual may be nil. The caller owns the result.
func (r *Roster) OnDuty(t time.Time, manual map[int64]bool) []Lawyer {
	var out []Lawyer
	for _, l := range r.lawyers {
		on, set := manual[l.ID]
		if !set {
			on = r.Scheduled(l.ID, t)
		}
		if on {
			out = append(out, l.clone())
		}
	}
	return out
}

// Match returns those of lawyers who take cases in lang (a code such as zh or
// en, compared exactly), with the ones whose specialties include category
// first and then the others, each group in the order given. An empty
// category, or one no lawyer lists, leaves the order as given. The result is
// a new slice; lawyers is not modified.
func (r *Roster) Match(lawyers []Lawyer, lang, category string) []Lawyer {
	var specialists, others []Lawyer
	for _, l := range lawyers {
		if !slices.Contains(l.Languages, lang) {
			continue
		}
		if category != "" && slices.Contains(l.Specialties, category) {
			specialists = append(specialists, l)
		} else {
			others = append(others, l)
		}
	}
	return append(specialists, others...)
}

// nextShiftHorizon is how far ahead NextShiftStart looks.
const nextShiftHorizon = 14 * 24 * time.Hour

// NextShiftStart returns the earliest instant at or after t when any lawyer's
// shift starts, honouring holidays and overrides, looking up to 14 days
// ahead. It is false when no shift starts in that time. The instant is in
// the roster's time zone. Manual /onduty is not foreseen.
func (r *Roster) NextShiftStart(t time.Time) (time.Time, bool) {
	t = t.In(r.loc)
	limit := t.Add(nextShiftHorizon)
	first := dateOf(t)
	// One day more than the horizon in days, since t may be late in its day.
	for i := 0; i <= int(nextShiftHorizon/(24*time.Hour)); i++ {
		d := first.addDays(i)
		var best time.Time
		for _, l := range r.lawyers {
			for _, s := range r.spans(l.ID, d) {
				start := d.at(s.from, r.loc)
				if start.Before(t) || start.After(limit) {
					continue
				}
				if best.IsZero() || start.Before(best) {
					best = start
				}
			}
		}
		// Days are scanned in order, so the first day with a start has the earliest.
		if !best.IsZero() {
			return best, true
		}
	}
	return time.Time{}, false
}
