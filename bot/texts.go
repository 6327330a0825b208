package bot

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Texts is every text citizens see, in one language. The texts live in
// texts/<lang>.yaml so an office can reword them without touching code.
type Texts struct {
	// Lang is the catalog language these texts are in (from the file name).
	Lang string `yaml:"-"`

	Welcome         string `yaml:"welcome"`
	Disclaimer      string `yaml:"disclaimer"`
	Privacy         string `yaml:"privacy"`
	Help            string `yaml:"help"`
	Topics          string `yaml:"topics"`
	TopicEntries    string `yaml:"topic_entries"`
	TopicEmpty      string `yaml:"topic_empty"`
	PageNext        string `yaml:"page_next"`
	PagePrev        string `yaml:"page_prev"`
	LangPrompt      string `yaml:"lang_prompt"`
	LangSet         string `yaml:"lang_set"`
	LangUnknown     string `yaml:"lang_unknown"`
	ForgetConfirm   string `yaml:"forget_confirm"`
	ForgetYes       string `yaml:"forget_yes"`
	ForgetNo        string `yaml:"forget_no"`
	Forgotten       string `yaml:"forgotten"`
	ForgetCancelled string `yaml:"forget_cancelled"`
	Suggest         string `yaml:"suggest"`
	Decline         string `yaml:"decline"`
	Citations       string `yaml:"citations"`
	Effective       string `yaml:"effective"`
	Fallback        string `yaml:"fallback"`
	FeedbackUp      string `yaml:"feedback_up"`
	FeedbackDown    string `yaml:"feedback_down"`
	ThanksUp        string `yaml:"thanks_up"`
	ThanksDown      string `yaml:"thanks_down"`
	NotText         string `yaml:"not_text"`
	UnknownCommand  string `yaml:"unknown_command"`
	Unavailable     string `yaml:"unavailable"`
	Error           string `yaml:"error"`
	CommandStart    string `yaml:"command_start"`
	CommandHelp     string `yaml:"command_help"`
	CommandTopics   string `yaml:"command_topics"`
	CommandLang     string `yaml:"command_lang"`
	CommandForget   string `yaml:"command_forget"`

	// Replies to small talk (see Signals.SmallTalk).
	SmallTalkGreeting string `yaml:"small_talk_greeting"`
	SmallTalkThanks   string `yaml:"small_talk_thanks"`
	SmallTalkGoodbye  string `yaml:"small_talk_goodbye"`
	SmallTalkAboutBot string `yaml:"small_talk_about_bot"`
	SmallTalkLawyer   string `yaml:"small_talk_lawyer"`

	// The handoff to the duty lawyer.
	CommandLawyer       string `yaml:"command_lawyer"`
	CommandStatus       string `yaml:"command_status"`
	CommandEnd          string `yaml:"command_end"`
	OfferLawyer         string `yaml:"offer_lawyer"`
	OfferButton         string `yaml:"offer_button"`
	UrgentFirst         string `yaml:"urgent_first"`
	UrgentOffer         string `yaml:"urgent_offer"`
	SelfHarmCare        string `yaml:"self_harm_care"`
	IntakeCategory      string `yaml:"intake_category"`
	IntakeRegion        string `yaml:"intake_region"`
	IntakeSummary       string `yaml:"intake_summary"`
	IntakeDeadline      string `yaml:"intake_deadline"`
	DeadlineSoon        string `yaml:"deadline_soon"`
	DeadlineMonth       string `yaml:"deadline_month"`
	DeadlineNone        string `yaml:"deadline_none"`
	IntakeConsent       string `yaml:"intake_consent"`
	ConsentYes          string `yaml:"consent_yes"`
	ConsentNo           string `yaml:"consent_no"`
	ConsentNamed        string `yaml:"consent_named"`
	Skip                string `yaml:"skip"`
	Cancel              string `yaml:"cancel"`
	IntakeCancelled     string `yaml:"intake_cancelled"`
	CaseQueued          string `yaml:"case_queued"`
	CaseQueuedUrgent    string `yaml:"case_queued_urgent"`
	NoOneOnDuty         string `yaml:"no_one_on_duty"`
	NoOneOnDutyNoShift  string `yaml:"no_one_on_duty_no_shift"`
	LeaveYes            string `yaml:"leave_yes"`
	LeaveNo             string `yaml:"leave_no"`
	CaseTakenCitizen    string `yaml:"case_taken_citizen"`
	CaseWaiting         string `yaml:"case_waiting"`
	CaseAssignedStatus  string `yaml:"case_assigned_status"`
	NoCase              string `yaml:"no_case"`
	AlreadyCase         string `yaml:"already_case"`
	FromLawyer          string `yaml:"from_lawyer"`
	CaseClosedCitizen   string `yaml:"case_closed_citizen"`
	CaseEndedCitizen    string `yaml:"case_ended_citizen"`
	RateThanks          string `yaml:"rate_thanks"`
	CommentThanks       string `yaml:"comment_thanks"`
	NotAvailable        string `yaml:"not_available"`
	RelayFailed         string `yaml:"relay_failed"`
	LawyerNewCase       string `yaml:"lawyer_new_case"`
	LawyerUrgent        string `yaml:"lawyer_urgent"`
	LawyerCard          string `yaml:"lawyer_card"`
	TakeButton          string `yaml:"take_button"`
	LawyerTakenBy       string `yaml:"lawyer_taken_by"`
	LawyerYouTook       string `yaml:"lawyer_you_took"`
	LawyerAlreadyTaken  string `yaml:"lawyer_already_taken"`
	LawyerNoCase        string `yaml:"lawyer_no_case"`
	LawyerQueueEmpty    string `yaml:"lawyer_queue_empty"`
	LawyerQueue         string `yaml:"lawyer_queue"`
	LawyerCases         string `yaml:"lawyer_cases"`
	LawyerSwitched      string `yaml:"lawyer_switched"`
	LawyerNotYours      string `yaml:"lawyer_not_yours"`
	LawyerUnknownCase   string `yaml:"lawyer_unknown_case"`
	LawyerNoteSaved     string `yaml:"lawyer_note_saved"`
	LawyerTransferred   string `yaml:"lawyer_transferred"`
	LawyerTransferredIn string `yaml:"lawyer_transferred_in"`
	LawyerRequeued      string `yaml:"lawyer_requeued"`
	LawyerCloseChoose   string `yaml:"lawyer_close_choose"`
	LawyerClosed        string `yaml:"lawyer_closed"`
	LawyerCitizenEnded  string `yaml:"lawyer_citizen_ended"`
	LawyerOnDuty        string `yaml:"lawyer_on_duty"`
	LawyerOffDuty       string `yaml:"lawyer_off_duty"`
	LawyerHelp          string `yaml:"lawyer_help"`
	LawyerUsageTransfer string `yaml:"lawyer_usage_transfer"`
	LawyerEscalation    string `yaml:"lawyer_escalation"`
	LawyerShiftQueue    string `yaml:"lawyer_shift_queue"`
	CitizenLabel        string `yaml:"citizen_label"`
	OutcomeResolved     string `yaml:"outcome_resolved"`
	OutcomeLegalAid     string `yaml:"outcome_legal_aid"`
	OutcomeMediation    string `yaml:"outcome_mediation"`
	OutcomeLitigation   string `yaml:"outcome_litigation"`
	OutcomeNoResponse   string `yaml:"outcome_no_response"`
	OutcomeOther        string `yaml:"outcome_other"`
	OutcomeCitizen      string `yaml:"outcome_citizen"`
	None                string `yaml:"none"`

	// Statute texts.
	LawUsage    string `yaml:"law_usage"`
	LawNotFound string `yaml:"law_not_found"`
	CommandLaw  string `yaml:"command_law"`
}

// Catalog holds the texts of every language the bot speaks.
type Catalog struct {
	byLang map[string]*Texts
	langs  []string
}

//go:embed texts/*.yaml
var embeddedTexts embed.FS

// DefaultCatalog loads the embedded texts, with vars ({hotline}, {service},
// {retention}) filled in.
func DefaultCatalog(vars map[string]string) (*Catalog, error) {
	sub, _ := fs.Sub(embeddedTexts, "texts")
	return LoadCatalog(sub, vars)
}

// LoadCatalog reads <lang>.yaml files from fsys. Every text must be present
// and non-empty in every language; unknown keys are errors.
func LoadCatalog(fsys fs.FS, vars map[string]string) (*Catalog, error) {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no texts found")
	}
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	fill := strings.NewReplacer(pairs...)
	c := &Catalog{byLang: map[string]*Texts{}}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var t Texts
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&t); err != nil {
			return nil, fmt.Errorf("texts %s: %w", f, err)
		}
		v := reflect.ValueOf(&t).Elem()
		for i := range v.NumField() {
			if v.Type().Field(i).Tag.Get("yaml") == "-" {
				continue
			}
			s := strings.TrimRight(v.Field(i).String(), "\n")
			if strings.TrimSpace(s) == "" {
				return nil, fmt.Errorf("texts %s: %s is missing", f, v.Type().Field(i).Tag.Get("yaml"))
			}
			v.Field(i).SetString(fill.Replace(s))
		}
		lang := strings.TrimSuffix(f, ".yaml")
		t.Lang = lang
		c.byLang[lang] = &t
		c.langs = append(c.langs, lang)
	}
	slices.Sort(c.langs)
	return c, nil
}

// For returns the texts of lang, or of "zh" when the catalog lacks lang.
func (c *Catalog) For(lang string) *Texts {
	if t, ok := c.byLang[lang]; ok {
		return t
	}
	return c.byLang["zh"]
}

// Has reports whether the catalog speaks lang.
func (c *Catalog) Has(lang string) bool { _, ok := c.byLang[lang]; return ok }

// Languages lists the catalog's languages, sorted.
func (c *Catalog) Languages() []string { return c.langs }

// fill replaces {key} placeholders in s.
func fill(s string, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}
