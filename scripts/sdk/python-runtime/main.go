// Command python-sdk is this project's runtime module for Dagger's builtin Python SDK.
//
// The engine loads the builtin Python SDK from a container whose rootfs holds the SDK (pyproject.toml,
// uv.lock, src/, codegen/, dist/uv, dist/uvx, dist/codegen) and, under runtime/, a Dagger module
// written in Go that turns a Python module's source into the container that serves its functions.
// Dagger's Go module zip leaves that runtime out (it is a nested Go module that no registry serves),
// so this project writes its own, to the same contract:
//
//   - moduleRuntime(modSource, introspectionJson) returns the container whose entrypoint serves the
//     module's functions (dagger.mod.cli);
//   - moduleTypes(modSource, introspectionJson, outputFilePath) returns that container set to write the module's
//     type definitions (its Module ID) to outputFilePath: the engine runs it through a cached withExec keyed on
//     the module source's digest, so a warm `dagger call` starts no Python to learn the module's functions
//     (without it the engine falls back to getModDef, which runs the runtime on every call, uncached);
//   - codegen(modSource, introspectionJson) returns the module's source with the client library
//     vendored and its bindings generated, as `dagger init` and `dagger develop` export it.
//
// It honours a module's pyproject.toml like the official runtime: `[tool.dagger] base-image`,
// `use-uv`, `[[tool.uv.index]]`, `[tool.uv.sources] dagger-io = { path = ... }`, uv.lock (uv sync --no-dev,
// which locks again when pyproject.toml changed; uv lock in codegen) or requirements.lock / plain pyproject
// (uv pip install -e ./sdk -e .). The differences are listed in README ("Module mode here"). The bindings of a
// module without dependencies come prebuilt in the SDK image (scripts/sdk_images.py), generated from the same
// schema; any other schema runs the codegen.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"golang.org/x/sync/errgroup"

	"python-sdk/internal/dagger"
)

const (
	modSourceDirPath = "/src"
	runtimePath      = "/runtime"
	schemaPath       = "/schema.json"
	venvPath         = "/opt/venv"
	depsPath         = "/deps"
	defaultVendor    = "sdk"
	sdkGenPath       = "src/dagger/client/gen.py"
	userGenPath      = "src/dagger_gen.py"
	projectFile      = "pyproject.toml"
	uvLockFile       = "uv.lock"
	pipLockFile      = "requirements.lock"
	templateObject   = "Main"
	// The schema of a module without dependencies and the client generated from it, in the SDK image.
	prebuiltSchema = "dist/schema.json"
	prebuiltGen    = "dist/gen.py"
)

var (
	//go:embed template/runtime.py
	tplRuntime string
	//go:embed template/pyproject.toml
	tplProject string
	//go:embed template/__init__.py
	tplInit string
	//go:embed template/main.py
	tplMain string
	//go:embed base-image.txt
	defaultBaseImage string
)

// PythonSdk builds the runtime container of a Python module.
type PythonSdk struct {
	// +private
	SdkSourceDir *dagger.Directory
}

// New receives the SDK's own files (the rootfs of the builtin SDK container).
func New(
	// Directory with the Python SDK source and its bundled tools.
	// +defaultPath=".."
	// +ignore=["**", "!pyproject.toml", "!uv.lock", "!src/**/*.py", "!src/**/*.typed", "!codegen/pyproject.toml", "!codegen/**/*.py", "!LICENSE", "!README.md", "!dist/*"]
	sdkSourceDir *dagger.Directory,
) *PythonSdk {
	return &PythonSdk{SdkSourceDir: sdkSourceDir}
}

// pyProject is the part of a module's pyproject.toml the runtime reads.
type pyProject struct {
	Project struct {
		Name string `toml:"name"`
	} `toml:"project"`
	Tool struct {
		Dagger struct {
			BaseImage string `toml:"base-image"`
			UseUv     *bool  `toml:"use-uv"`
		} `toml:"dagger"`
		Uv struct {
			Sources struct {
				Dagger struct {
					Path string `toml:"path"`
				} `toml:"dagger-io"`
			} `toml:"sources"`
			Index []struct {
				URL     string `toml:"url"`
				Default bool   `toml:"default"`
			} `toml:"index"`
		} `toml:"uv"`
	} `toml:"tool"`
}

// module is what the runtime learned about the module being loaded.
type module struct {
	name, project, pkg, object string
	subPath, contextPath       string
	context                    *dagger.Directory
	files                      map[string]bool
	config                     pyProject
	isInit                     bool
	vendor                     string
}

func (m *module) has(name string) bool { return m.files[name] }

func (m *module) useUv() bool {
	return m.config.Tool.Dagger.UseUv == nil || *m.config.Tool.Dagger.UseUv
}

func (m *module) useUvLock() bool {
	return m.useUv() && (m.has(uvLockFile) || (!m.has(pipLockFile) && m.isInit))
}

func (m *module) addFile(name string, f *dagger.File) {
	m.context = m.context.WithFile(path.Join(m.subPath, name), f)
}

func (m *module) addNewFile(name, contents string) {
	m.context = m.context.WithNewFile(path.Join(m.subPath, name), contents)
}

// load reads the module's metadata and the few files that configure the runtime.
func (r *PythonSdk) load(ctx context.Context, src *dagger.ModuleSource) (*module, error) {
	m := &module{context: src.ContextDirectory(), files: map[string]bool{}, vendor: defaultVendor}
	eg, gctx := errgroup.WithContext(ctx)
	var digest string
	var exists bool
	eg.Go(func() (err error) { m.subPath, err = src.SourceSubpath(gctx); return })
	eg.Go(func() (err error) { digest, err = src.Digest(gctx); return })
	eg.Go(func() (err error) { m.name, err = src.ModuleOriginalName(gctx); return })
	eg.Go(func() (err error) { exists, err = src.ConfigExists(gctx); return })
	if err := eg.Wait(); err != nil {
		return nil, fmt.Errorf("python runtime: read module source: %w", err)
	}
	m.contextPath = path.Join(modSourceDirPath, digest)
	m.object = objectName(m.name)
	m.project = projectName(m.name)
	m.pkg = strings.ReplaceAll(m.project, "-", "_")

	source := m.context.Directory(m.subPath)
	entries, _ := source.Entries(ctx) // a new module's folder may not exist yet
	for _, e := range entries {
		m.files[e] = true
	}
	m.isInit = !exists || !m.has(projectFile)
	for _, dir := range []string{".venv/", "sdk/"} { // never the host's copies
		if m.has(dir) {
			m.context = m.context.WithoutDirectory(path.Join(m.subPath, dir))
		}
	}
	if py, _ := source.Glob(ctx, "src/**/*.py|*.py"); len(py) > 0 {
		m.files["*.py"] = true
	} else if !m.isInit {
		return nil, fmt.Errorf("python runtime: no Python files in the module's source")
	}
	if m.has(projectFile) {
		text, err := source.File(projectFile).Contents(ctx)
		if err != nil {
			return nil, fmt.Errorf("python runtime: read pyproject.toml: %w", err)
		}
		if err := toml.Unmarshal([]byte(text), &m.config); err != nil {
			return nil, fmt.Errorf("python runtime: pyproject.toml: %w", err)
		}
		if m.config.Project.Name != "" {
			m.project = m.config.Project.Name
			m.pkg = strings.ReplaceAll(normalizeProject(m.project), "-", "_")
		}
		if m.useUvLock() {
			m.vendor = m.config.Tool.Uv.Sources.Dagger.Path
		}
	}
	return m, nil
}

// base returns the Python base with uv, its cache and the index settings.
func (r *PythonSdk) base(m *module) *dagger.Container {
	image := m.config.Tool.Dagger.BaseImage
	if image == "" {
		image = strings.TrimSpace(defaultBaseImage)
	}
	dist := r.SdkSourceDir.Directory("dist")
	ctr := dag.Container().From(image).
		WithEnvVariable("DAGGER_BASE_IMAGE", image).
		WithEnvVariable("PYTHONUNBUFFERED", "1").
		WithEnvVariable("PIP_DISABLE_PIP_VERSION_CHECK", "1").
		WithEnvVariable("PIP_ROOT_USER_ACTION", "ignore").
		WithMountedFile("/usr/local/bin/uv", dist.File("uv")).
		WithMountedFile("/usr/local/bin/uvx", dist.File("uvx")).
		WithMountedCache("/root/.cache/uv", dag.CacheVolume("modpython-uv")).
		WithEnvVariable("UV_SYSTEM_PYTHON", "1").
		WithEnvVariable("UV_LINK_MODE", "copy").
		WithEnvVariable("UV_NATIVE_TLS", "1").
		WithEnvVariable("UV_PROJECT_ENVIRONMENT", venvPath)
	for _, idx := range m.config.Tool.Uv.Index {
		name := "UV_EXTRA_INDEX_URL"
		if idx.Default {
			name = "UV_INDEX_URL"
		}
		ctr = ctr.WithEnvVariable(name, idx.URL)
	}
	return ctr
}

// common vendors the SDK, generates the bindings, adds template files to a new module and mounts the source.
func (r *PythonSdk) common(
	ctx context.Context, src *dagger.ModuleSource, introspectionJSON *dagger.File,
) (*module, *dagger.Container, error) {
	m, err := r.load(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	ctr := r.base(m)
	// The module's own files, before the generated bindings join them: reading these waits for no codegen.
	own := m.context
	genPath := userGenPath
	if m.vendor != "" {
		m.context = m.context.WithDirectory(path.Join(m.subPath, m.vendor), r.SdkSourceDir.WithoutDirectory("dist"))
		genPath = path.Join(m.vendor, sdkGenPath)
	}
	if introspectionJSON != nil {
		m.addFile(genPath, r.bindings(ctx, ctr, introspectionJSON))
	}
	ctr = ctr.
		WithNewFile(runtimePath, tplRuntime, dagger.ContainerWithNewFileOpts{Permissions: 0o755}).
		WithEntrypoint([]string{runtimePath})
	if m.isInit {
		if !m.has(projectFile) {
			project := strings.ReplaceAll(tplProject, `name = "main"`, fmt.Sprintf("name = %q", m.project))
			if m.vendor != "" {
				project += fmt.Sprintf("\n[tool.uv.sources]\ndagger-io = { path = %q, editable = true }\n", m.vendor)
			}
			m.addNewFile(projectFile, project)
		}
		if !m.has("*.py") {
			m.addNewFile(path.Join("src", m.pkg, "__init__.py"), strings.ReplaceAll(tplInit, templateObject, m.object))
			m.addNewFile(path.Join("src", m.pkg, "main.py"), strings.ReplaceAll(tplMain, templateObject, m.object))
		}
	}
	if m.useUvLock() && m.vendor == "" && m.has(uvLockFile) && !m.isInit {
		// The module's dependencies alone, from pyproject.toml and uv.lock: cached until those two change, so an
		// edit to the module's code installs nothing again (the official runtime installs them with the code). Any
		// exit is fine: a project this cannot install (path sources) gets everything from the full sync below.
		lockOnly := dag.Directory().
			WithFile(projectFile, own.File(path.Join(m.subPath, projectFile))).
			WithFile(uvLockFile, own.File(path.Join(m.subPath, uvLockFile)))
		ctr = ctr.
			WithMountedDirectory(depsPath, lockOnly).
			WithWorkdir(depsPath).
			WithEnvVariable("UV_COMPILE_BYTECODE", "1").
			WithExec(
				[]string{"uv", "sync", "--no-dev", "--frozen", "--no-install-project"},
				dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny},
			).
			WithoutMount(depsPath)
	}
	ctr = ctr.
		WithWorkdir(path.Join(m.contextPath, m.subPath)).
		WithMountedDirectory(m.contextPath, m.context).
		WithEnvVariable("DAGGER_MODULE", m.name).
		WithEnvVariable("DAGGER_DEFAULT_PYTHON_PACKAGE", m.pkg).
		WithEnvVariable("DAGGER_MAIN_OBJECT", m.object)
	// A uv.lock is brought up to date by `uv sync` in the runtime and by `uv lock` in Codegen.
	if m.useUv() && !m.useUvLock() && m.has(pipLockFile) && !m.isInit {
		args := []string{"uv", "pip", "compile", "-q", "--universal", "-o", pipLockFile, projectFile}
		if m.vendor != "" {
			args = append(args, path.Join(m.vendor, projectFile))
		}
		ctr = ctr.WithExec(args)
	}
	return m, ctr, nil
}

// bindings returns the generated client for the module's schema: the SDK image's prebuilt one when the schema is
// the one it was generated from (a module without dependencies on this engine), else the codegen's output.
func (r *PythonSdk) bindings(ctx context.Context, base *dagger.Container, introspectionJSON *dagger.File) *dagger.File {
	exclude := dagger.FileDigestOpts{ExcludeMetadata: true}
	var want, have string
	eg, gctx := errgroup.WithContext(ctx)
	eg.Go(func() (err error) { want, err = introspectionJSON.Digest(gctx, exclude); return })
	eg.Go(func() (err error) { have, err = r.SdkSourceDir.File(prebuiltSchema).Digest(gctx, exclude); return })
	if eg.Wait() == nil && want == have { // an SDK image without the prebuilt pair runs the codegen
		return r.SdkSourceDir.File(prebuiltGen)
	}
	return base.
		WithMountedCache("/root/.shiv", dag.CacheVolume("shiv")).
		WithMountedFile("/usr/local/bin/codegen", r.SdkSourceDir.File("dist/codegen")).
		WithMountedFile(schemaPath, introspectionJSON).
		WithExec([]string{"codegen", "generate", "-i", schemaPath, "-o", "/gen.py"}).
		File("/gen.py")
}

// ModuleRuntime returns the container that serves the module's functions.
func (r *PythonSdk) ModuleRuntime(
	ctx context.Context,
	modSource *dagger.ModuleSource,
	introspectionJSON *dagger.File,
) (*dagger.Container, error) {
	m, ctr, err := r.common(ctx, modSource, introspectionJSON)
	if err != nil {
		return nil, err
	}
	ctr = ctr.WithEnvVariable("UV_COMPILE_BYTECODE", "1")
	if m.useUvLock() {
		expand := dagger.ContainerWithEnvVariableOpts{Expand: true}
		return ctr.
			WithExec([]string{"uv", "sync", "--no-dev"}).
			WithEnvVariable("VIRTUAL_ENV", "$UV_PROJECT_ENVIRONMENT", expand).
			WithEnvVariable("PATH", "$VIRTUAL_ENV/bin:$PATH", expand), nil
	}
	install := []string{"pip", "install", "-e", "./" + m.vendor, "-e", "."}
	check := []string{"pip", "check"}
	if m.useUv() {
		if m.has(pipLockFile) {
			install = append(install, "--no-deps", "-r", pipLockFile)
		}
		install = append([]string{"uv"}, install...)
		check = append([]string{"uv"}, check...)
	}
	return ctr.WithExec(install).WithExec(check), nil
}

// ModuleTypes returns the runtime container set to register the module: run with its entrypoint, it writes the
// module's type definitions (a Module ID, as JSON) to outputFilePath and exits.
func (r *PythonSdk) ModuleTypes(
	ctx context.Context,
	modSource *dagger.ModuleSource,
	introspectionJSON *dagger.File,
	outputFilePath string,
) (*dagger.Container, error) {
	ctr, err := r.ModuleRuntime(ctx, modSource, introspectionJSON)
	if err != nil {
		return nil, err
	}
	return ctr.
		WithEnvVariable("DAGGER_MODULE_FILE", outputFilePath).
		WithEntrypoint([]string{runtimePath, "--register"}), nil
}

// Codegen returns the module's source with the SDK vendored and its bindings generated.
func (r *PythonSdk) Codegen(
	ctx context.Context,
	modSource *dagger.ModuleSource,
	introspectionJSON *dagger.File,
) (*dagger.GeneratedCode, error) {
	m, ctr, err := r.common(ctx, modSource, introspectionJSON)
	if err != nil {
		return nil, err
	}
	if m.useUvLock() {
		ctr = ctr.WithExec([]string{"uv", "lock"})
	}
	ignored := []string{".venv", "**/__pycache__"}
	generated := []string{}
	if m.vendor != "" {
		ignored = append(ignored, m.vendor)
		generated = append(generated, m.vendor+"/**")
	}
	return dag.GeneratedCode(ctr.Directory(m.contextPath)).
		WithVCSGeneratedPaths(generated).
		WithVCSIgnoredPaths(ignored), nil
}

var (
	separators = regexp.MustCompile(`[._\s-]+`)
	disallowed = regexp.MustCompile(`[^a-z0-9-]+`)
	camelHump  = regexp.MustCompile(`([a-z0-9])([A-Z])`)
)

// objectName is the main object's class name: the module name in PascalCase ("my-mod" -> "MyMod").
func objectName(name string) string {
	var b strings.Builder
	for _, word := range separators.Split(camelHump.ReplaceAllString(name, "$1 $2"), -1) {
		if word != "" {
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return b.String()
}

// projectName is the PEP 503 project name derived from the module name ("MyMod" -> "my-mod").
func projectName(name string) string {
	return normalizeProject(camelHump.ReplaceAllString(objectName(name), "$1-$2"))
}

// normalizeProject normalises a project name as PEP 503 does, dropping characters it does not allow.
func normalizeProject(name string) string {
	n := separators.ReplaceAllString(strings.ToLower(name), "-")
	return strings.Trim(disallowed.ReplaceAllString(n, ""), "-")
}
