// Package statutes reads statute texts in the format of shared/statutes
// (one Markdown file per instrument, articles starting a line with 第X条) and
// looks articles up by short title and number, so citations can be checked
// and shown. It keeps, for each instrument, only its newest version in force.
package statutes

import (
	"bufio"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/legalbot/legalbot/knowledge"
)

// Law is one statute: its title, version date and articles.
type Law struct {
	Title    string // as in the file's first line
	Short    string // the title without 中华人民共和国, e.g. 劳动合同法
	Version  string // YYYY-MM-DD from the file name, "" when absent
	File     string
	Articles map[int]string
}

// Library is a set of laws, by short title.
type Library struct {
	laws map[string]*Law
}

var (
	versionRe = regexp.MustCompile(`^(.*?)\((\d{4}-\d{2}-\d{2})\)$`)
	articleRe = regexp.MustCompile(`^第([零〇一二三四五六七八九十百千]+)条(之[一二三四五六七八九十]+)?[\s　]*(.*)$`)
)

// Load reads every *.md under fsys (README.md aside). Where an instrument
// exists in several versions, the newest date wins. The books of the Civil
// Code (folder 民法典) are joined into one law, 民法典.
func Load(fsys fs.FS) (*Library, error) {
	lib := &Library{laws: map[string]*Law{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") || path.Base(p) == "README.md" {
			return nil
		}
		law, err := parse(fsys, p)
		if err != nil {
			return err
		}
		if path.Base(path.Dir(p)) == "民法典" {
			law.Short, law.Title = "民法典", "中华人民共和国民法典"
		}
		if old, ok := lib.laws[law.Short]; ok {
			if law.Short == "民法典" {
				for n, t := range law.Articles {
					old.Articles[n] = t
				}
				return nil
			}
			if old.Version >= law.Version {
				return nil
			}
		}
		lib.laws[law.Short] = law
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load statutes: %w", err)
	}
	return lib, nil
}

func parse(fsys fs.FS, p string) (*Law, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name := strings.TrimSuffix(path.Base(p), ".md")
	law := &Law{File: p, Articles: map[int]string{}}
	if m := versionRe.FindStringSubmatch(name); m != nil {
		name, law.Version = m[1], m[2]
	}
	law.Short = ShortTitle(name)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	current := 0
	var text strings.Builder
	flush := func() {
		if current > 0 {
			if _, dup := law.Articles[current]; !dup {
				law.Articles[current] = strings.TrimSpace(text.String())
			}
		}
		text.Reset()
	}
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			law.Title = strings.TrimSpace(strings.TrimLeft(line, "# "))
			first = false
			continue
		}
		if strings.HasPrefix(line, "#") {
			flush()
			current = 0
			continue
		}
		if m := articleRe.FindStringSubmatch(line); m != nil {
			n, err := knowledge.ParseArticle("第" + m[1] + "条")
			// 第一百二十条之一 (an inserted article) is not article 120.
			if err == nil && m[2] == "" {
				flush()
				current = n
				text.WriteString(line)
				continue
			}
			if m[2] != "" {
				flush()
				current = 0
				continue
			}
		}
		if current > 0 && line != "" {
			text.WriteString("\n")
			text.WriteString(line)
		}
	}
	flush()
	return law, sc.Err()
}

// ShortTitle drops 中华人民共和国 from a title: 中华人民共和国劳动合同法 → 劳动合同法.
func ShortTitle(title string) string {
	return strings.TrimPrefix(strings.TrimSpace(title), "中华人民共和国")
}

// Law returns the law with that short (or full) title.
func (l *Library) Law(title string) (*Law, bool) {
	law, ok := l.laws[ShortTitle(strings.Trim(title, "《》 "))]
	return law, ok
}

// Article returns an article's text.
func (l *Library) Article(title string, n int) (string, bool) {
	law, ok := l.Law(title)
	if !ok {
		return "", false
	}
	t, ok := law.Articles[n]
	return t, ok
}

// CheckProblems reports every citation of the knowledge base that does not
// resolve to an article, located at the entry.
func (l *Library) CheckProblems(kb *knowledge.KB) knowledge.Problems {
	var ps knowledge.Problems
	for _, e := range kb.Entries {
		for i, c := range e.Citations {
			field := fmt.Sprintf("citations[%d]", i)
			law, ok := l.Law(c.Law)
			switch {
			case !ok:
				ps = append(ps, knowledge.Problem{File: e.Source.File, Line: e.Source.Line, Field: field + ".law", ID: e.ID,
					Msg: fmt.Sprintf("%s: no such law in the statutes folder", c)})
			case law.Articles[int(c.Article)] == "":
				ps = append(ps, knowledge.Problem{File: e.Source.File, Line: e.Source.Line, Field: field + ".article", ID: e.ID,
					Msg: fmt.Sprintf("%s: %s has no such article", c, law.File)})
			}
		}
	}
	return ps
}
