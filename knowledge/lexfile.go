package knowledge

import (
	"fmt"
	"io/fs"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ParseLexicon reads a synonym lexicon (a YAML list of {id, terms}); every
// problem names the file, the line and the field.
func ParseLexicon(file string, data []byte) ([]SynonymGroup, Problems) {
	list, ps := yamlList(file, data, "want a list of synonym groups ({id, terms})")
	if list == nil {
		return nil, ps
	}
	var groups []SynonymGroup
	first := map[string]int{}
	for _, item := range list.Content {
		var g SynonymGroup
		if err := item.Decode(&g); err != nil {
			p := yamlProblem(file, err)
			p.Line = item.Line
			ps = append(ps, p)
			continue
		}
		// A field's problem is reported at the field's line.
		line := map[string]int{}
		bad := func(field, msg string) {
			l := item.Line
			if fl, ok := line[field]; ok {
				l = fl
			}
			ps = append(ps, Problem{File: file, Line: l, Field: field, ID: g.ID, Msg: msg})
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k := item.Content[i]
			line[k.Value] = k.Line
			if k.Value != "id" && k.Value != "terms" {
				bad(k.Value, "unknown field (a group has id and terms)")
			}
		}
		switch {
		case g.ID == "":
			bad("id", "missing")
		case first[g.ID] != 0:
			bad("id", fmt.Sprintf("duplicate group id, first at line %d", first[g.ID]))
		default:
			first[g.ID] = item.Line
		}
		if n := len(nonEmpty(g.Terms)); n < 2 {
			bad("terms", fmt.Sprintf("%d terms: a group needs at least two", n))
		}
		groups = append(groups, g)
	}
	return groups, ps
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// MergeLexicon merges the groups of a lexicon into the synonyms.yaml of
// fsys, keeping its comments and order: a group whose id is new is
// appended; a group the target has gains the terms it lacks (an office's
// words for a shared concept); nothing is removed. It returns the new file,
// or nil if nothing changes, and how many groups were added and extended.
func MergeLexicon(fsys fs.FS, groups []SynonymGroup) (data []byte, added, extended int, err error) {
	var doc yaml.Node
	old, err := fs.ReadFile(fsys, LexiconFile)
	if err == nil {
		if err := yaml.Unmarshal(old, &doc); err != nil {
			return nil, 0, 0, fmt.Errorf("%s: %w", LexiconFile, err)
		}
	}
	if len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.SequenceNode}}}
	}
	list := doc.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, 0, 0, fmt.Errorf("%s: not a list of synonym groups", LexiconFile)
	}
	byID := map[string]*yaml.Node{} // group id → its terms' sequence
	for _, item := range list.Content {
		var id string
		var terms *yaml.Node
		for i := 0; i+1 < len(item.Content); i += 2 {
			switch item.Content[i].Value {
			case "id":
				id = item.Content[i+1].Value
			case "terms":
				terms = item.Content[i+1]
			}
		}
		if id != "" && terms != nil && terms.Kind == yaml.SequenceNode {
			byID[id] = terms
		}
	}
	scalar := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	for _, g := range groups {
		terms, ok := byID[g.ID]
		if !ok {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, v := range nonEmpty(g.Terms) {
				seq.Content = append(seq.Content, scalar(v))
			}
			list.Content = append(list.Content, &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("id"), scalar(g.ID), scalar("terms"), seq}})
			byID[g.ID] = seq
			added++
			continue
		}
		have := map[string]bool{}
		for _, t := range terms.Content {
			have[normalize(t.Value)] = true
		}
		grew := false
		for _, v := range nonEmpty(g.Terms) {
			if !have[normalize(v)] {
				have[normalize(v)] = true
				terms.Content = append(terms.Content, scalar(v))
				grew = true
			}
		}
		if grew {
			extended++
		}
	}
	if added+extended == 0 {
		return nil, 0, 0, nil
	}
	data, err = encodeYAML(&doc)
	return data, added, extended, err
}
