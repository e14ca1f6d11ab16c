// chart-render renders a Helm chart the way `helm template` does, for the tests of this
// repository's charts: no helm binary can be installed on these machines, so this program
// uses the same template engine (Go text/template plus sprig, both from Debian's packages).
//
// It supports what the project's charts use: .Values (values.yaml deep-merged with each
// --values file in order, a null removing a key), .Release, .Chart, .Capabilities
// (KubeVersion and APIVersions.Has), include, tpl, required, toYaml, fromYaml, and crds/.
// Output: every rendered manifest as one multi-document YAML stream on stdout, each
// preceded by a "# Source:" comment; with --notes, only the rendered NOTES.txt.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type apiVersions []string

// Has answers `.Capabilities.APIVersions.Has "policy/v1"` as Helm does, for a group/version
// or a group/version/Kind.
func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v || strings.HasPrefix(v, x+"/") {
			return true
		}
	}
	return false
}

func readYAMLMap(path string) (map[string]interface{}, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if out == nil {
		out = map[string]interface{}{}
	}
	return out, nil
}

// merge copies src over dst: maps merge key by key, anything else replaces, null deletes.
func merge(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sv, sIsMap := v.(map[string]interface{})
		dv, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			merge(dv, sv)
		} else {
			dst[k] = v
		}
	}
}

func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func fromYAML(s string) map[string]interface{} {
	out := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		out["Error"] = err.Error()
	}
	return out
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "chart-render: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	var valueFiles, apis listFlag
	chartDir := flag.String("chart", "", "chart directory (required)")
	release := flag.String("release", "release", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kubeVersion := flag.String("kube-version", "v1.20.2", "Kubernetes version for .Capabilities")
	notes := flag.Bool("notes", false, "print only the rendered templates/NOTES.txt")
	skipCRDs := flag.Bool("skip-crds", false, "leave out the files of crds/")
	flag.Var(&valueFiles, "values", "values file merged over values.yaml (repeatable)")
	flag.Var(&apis, "api-versions", "API group/versions the cluster serves (repeatable)")
	flag.Parse()
	if *chartDir == "" {
		fail("--chart is required")
	}

	chartMeta, err := readYAMLMap(filepath.Join(*chartDir, "Chart.yaml"))
	if err != nil {
		fail("reading Chart.yaml: %v", err)
	}
	chart := map[string]interface{}{}
	for k, v := range chartMeta {
		chart[strings.ToUpper(k[:1])+k[1:]] = v
	}
	chartName, _ := chart["Name"].(string)
	if chartName == "" {
		fail("Chart.yaml has no name")
	}

	values, err := readYAMLMap(filepath.Join(*chartDir, "values.yaml"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		fail("reading values.yaml: %v", err)
	}
	if values == nil {
		values = map[string]interface{}{}
	}
	for _, f := range valueFiles {
		over, err := readYAMLMap(f)
		if err != nil {
			fail("reading values file: %v", err)
		}
		merge(values, over)
	}

	baseAPIs := apiVersions{"v1", "apps/v1", "policy/v1beta1", "coordination.k8s.io/v1",
		"rbac.authorization.k8s.io/v1", "apiextensions.k8s.io/v1"}
	data := map[string]interface{}{
		"Values":  values,
		"Chart":   chart,
		"Release": map[string]interface{}{"Name": *release, "Namespace": *namespace, "Service": "Helm", "IsInstall": true, "Revision": 1},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": *kubeVersion, "GitVersion": *kubeVersion},
			"APIVersions": append(baseAPIs, apis...),
		},
	}

	root := template.New(chartName)
	funcs := sprig.TxtFuncMap()
	// Helm removes these: a chart must not read the environment of whoever renders it.
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	funcs["lookup"] = func(...interface{}) map[string]interface{} { return map[string]interface{}{} }
	funcs["include"] = func(name string, ctx interface{}) (string, error) {
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, ctx)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, ctx interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, ctx)
		return buf.String(), err
	}
	root.Funcs(funcs).Option("missingkey=zero")

	tplDir := filepath.Join(*chartDir, "templates")
	var names []string
	err = filepath.Walk(tplDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(*chartDir, p)
		name := chartName + "/" + filepath.ToSlash(rel)
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := root.New(name).Parse(string(raw)); err != nil {
			return err
		}
		names = append(names, name)
		return nil
	})
	if err != nil {
		fail("parsing templates: %v", err)
	}
	sort.Strings(names)

	render := func(name string) string {
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			fail("rendering %s: %v", name, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", "")
	}

	if *notes {
		fmt.Print(render(chartName + "/templates/NOTES.txt"))
		return
	}
	var out strings.Builder
	if !*skipCRDs {
		crds, _ := filepath.Glob(filepath.Join(*chartDir, "crds", "*.yaml"))
		sort.Strings(crds)
		for _, f := range crds {
			raw, err := os.ReadFile(f)
			if err != nil {
				fail("reading %s: %v", f, err)
			}
			rel, _ := filepath.Rel(*chartDir, f)
			fmt.Fprintf(&out, "---\n# Source: %s/%s\n%s\n", chartName, filepath.ToSlash(rel), strings.TrimSpace(string(raw)))
		}
	}
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		text := strings.TrimSpace(render(name))
		if text == "" {
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, text)
	}
	fmt.Print(out.String())
}
