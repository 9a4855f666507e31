// This project's Python SDK runtime, built into the engine: scripts/patch-dagger.py writes this file into dagger's
// core/sdk and makes the builtin "python" SDK this type. Upstream loads that SDK as a module (Go, run by the Go SDK),
// which a new engine must generate, compile and start before it can load any Python module; here the same contract
// runs in the engine process, so a Python module's first load starts only Python.
//
// From the builtin Python SDK image (scripts/sdk_images.py) it reads the SDK's files: pyproject.toml, uv.lock,
// src/, codegen/, dist/uv, dist/uvx, dist/codegen, dist/base-image.txt (the default base image), dist/schema.json
// with dist/gen.py (the prebuilt bindings) and template/ (a new module's files).
//
//   - Runtime returns the container whose entrypoint serves the module's functions (dagger.mod.cli);
//   - ModuleTypes runs that container once to write the module's type definitions (its Module ID), in an exec the
//     engine caches on the module source's digest, so a warm `dagger call` starts no Python to learn them;
//   - Codegen returns the module's source with the client library vendored and its bindings generated, as
//     `dagger init` and `dagger develop` export it.
//
// It honours a module's pyproject.toml like the official runtime: `[tool.dagger] base-image`, `use-uv`,
// `[[tool.uv.index]]`, `[tool.uv.sources] dagger-io = { path = ... }`, uv.lock (uv sync --no-dev, which locks again
// when pyproject.toml changed; uv lock in codegen) or requirements.lock / plain pyproject (uv pip install -e ./sdk
// -e .). The differences are listed in README ("Module mode here").

package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml"

	"github.com/dagger/dagger/core"
	"github.com/dagger/dagger/dagql"
	"github.com/dagger/dagger/engine/distconsts"
	"github.com/dagger/dagger/engine/engineutil"
	telemetry "github.com/dagger/otel-go"
	"github.com/opencontainers/go-digest"
)

const (
	pyModSourceDirPath = "/src"
	pyRuntimePath      = "/runtime"
	pySchemaPath       = "/schema.json"
	pyVenvPath         = "/opt/venv"
	pyDepsPath         = "/deps"
	pyDefaultVendor    = "sdk"
	pySDKGenPath       = "src/dagger/client/gen.py"
	pyUserGenPath      = "src/dagger_gen.py"
	pyProjectFile      = "pyproject.toml"
	pyUvLockFile       = "uv.lock"
	pyPipLockFile      = "requirements.lock"
	pyTemplateObject   = "Main"
	pyModuleIDPath     = "/module-typedefs.json"
	// In the SDK image: the default base image, the schema of a module without dependencies and the client
	// generated from it, and a new module's files.
	pyBaseImageFile  = "dist/base-image.txt"
	pyPrebuiltSchema = "dist/schema.json"
	pyPrebuiltGen    = "dist/gen.py"
	pyTemplateDir    = "template"
)

var pyExecMDDigest = digest.FromString("python-sdk-module-types-execmd")

type (
	pyCtr  = dagql.ObjectResult[*core.Container]
	pyDir  = dagql.ObjectResult[*core.Directory]
	pyFile = dagql.ObjectResult[*core.File]
)

// pythonSDK is the builtin Python SDK: the files of its image, named by manifest digest in the engine's content store.
type pythonSDK struct {
	root     *core.Query
	manifest string
}

func newPythonSDK(root *core.Query, cfg *core.SDKConfig) (core.SDK, error) {
	if len(cfg.Config) > 0 {
		return nil, fmt.Errorf("the python SDK takes no config (dagger.json sdk.config has %d keys)", len(cfg.Config))
	}
	return &pythonSDK{root: root, manifest: os.Getenv(distconsts.PythonSDKManifestDigestEnvName)}, nil
}

func (sdk *pythonSDK) CloneForModuleSource(*core.ModuleSource) core.SDK {
	if sdk == nil {
		return nil
	}
	cp := *sdk
	return &cp
}

func (sdk *pythonSDK) AsRuntime() (core.Runtime, bool)             { return sdk, true }
func (sdk *pythonSDK) AsModuleTypes() (core.ModuleTypes, bool)     { return sdk, true }
func (sdk *pythonSDK) AsCodeGenerator() (core.CodeGenerator, bool) { return sdk, true }
func (sdk *pythonSDK) AsClientGenerator() (core.ClientGenerator, bool) {
	return nil, false
}

func (sdk *pythonSDK) AttachDependencyResults(
	context.Context, func(dagql.AnyResult) (dagql.AnyResult, error),
) ([]dagql.AnyResult, error) {
	return nil, nil
}

// pyOp runs one SDK operation's selects on the engine's dagql server and keeps the first error: after it, every
// select is skipped, so the steps read in order without an error check each.
type pyOp struct {
	ctx context.Context
	dag *dagql.Server
	err error
}

func (o *pyOp) fail(err error) {
	if o.err == nil && err != nil {
		o.err = err
	}
}

func pySelect[T any](o *pyOp, self dagql.AnyObjectResult, sels ...dagql.Selector) T {
	var out T
	if o.err == nil {
		o.fail(o.dag.Select(o.ctx, self, &out, sels...))
	}
	return out
}

func pyID[T dagql.Typed](o *pyOp, r dagql.Result[T]) dagql.ID[T] {
	if o.err != nil {
		return dagql.ID[T]{}
	}
	id, err := r.ID()
	o.fail(err)
	return dagql.NewID[T](id)
}

func pyCall(field string, args ...dagql.NamedInput) dagql.Selector {
	return dagql.Selector{Field: field, Args: args}
}

func pyArg(name string, value dagql.Input) dagql.NamedInput {
	return dagql.NamedInput{Name: name, Value: value}
}

func pyStr(s string) dagql.String { return dagql.NewString(s) }

func pyStrs(s ...string) dagql.ArrayInput[dagql.String] {
	out := make(dagql.ArrayInput[dagql.String], len(s))
	for i, v := range s {
		out[i] = dagql.NewString(v)
	}
	return out
}

func pyEnv(name, value string) dagql.Selector {
	return pyCall("withEnvVariable", pyArg("name", pyStr(name)), pyArg("value", pyStr(value)))
}

func pyExec(args ...string) dagql.Selector { return pyCall("withExec", pyArg("args", pyStrs(args...))) }

func pyMountFile(o *pyOp, at string, f pyFile) dagql.Selector {
	return pyCall("withMountedFile", pyArg("path", pyStr(at)), pyArg("source", pyID(o, f.Result)))
}

// pyMountCache mounts the engine-internal cache volume key at path.
func pyMountCache(o *pyOp, at, key string) dagql.Selector {
	cache := pySelect[dagql.ObjectResult[*core.CacheVolume]](o, o.dag.Root(),
		pyCall("cacheVolume", pyArg("key", pyStr(key)), pyArg("namespace", pyStr("internal"))))
	return pyCall("withMountedCache", pyArg("path", pyStr(at)), pyArg("cache", pyID(o, cache.Result)))
}

func pyDirFile(o *pyOp, d pyDir, name string) pyFile {
	return pySelect[pyFile](o, d, pyCall("file", pyArg("path", pyStr(name))))
}

func pyContents(o *pyOp, f pyFile) string { return pySelect[string](o, f, pyCall("contents")) }

// pyPyProject is the part of a module's pyproject.toml the runtime reads.
type pyPyProject struct {
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

// pyModule is what the runtime learned about the module being loaded.
type pyModule struct {
	name, project, pkg, object string
	subPath, contextPath       string
	context                    pyDir
	files                      map[string]bool
	config                     pyPyProject
	isInit                     bool
	vendor                     string
}

func (m *pyModule) has(name string) bool { return m.files[name] }

func (m *pyModule) useUv() bool {
	return m.config.Tool.Dagger.UseUv == nil || *m.config.Tool.Dagger.UseUv
}

func (m *pyModule) useUvLock() bool {
	return m.useUv() && (m.has(pyUvLockFile) || (!m.has(pyPipLockFile) && m.isInit))
}

func (m *pyModule) with(o *pyOp, sels ...dagql.Selector) {
	m.context = pySelect[pyDir](o, m.context, sels...)
}

func (m *pyModule) addFile(o *pyOp, name string, f pyFile) {
	m.with(o, pyCall("withFile", pyArg("path", pyStr(path.Join(m.subPath, name))), pyArg("source", pyID(o, f.Result))))
}

func (m *pyModule) addNewFile(o *pyOp, name, contents string) {
	m.with(o, pyCall("withNewFile", pyArg("path", pyStr(path.Join(m.subPath, name))), pyArg("contents", pyStr(contents))))
}

// start opens an operation on a module source: the engine's server and the source scoped to what the SDK reads.
func (sdk *pythonSDK) start(
	ctx context.Context, source dagql.ObjectResult[*core.ModuleSource], op string,
) (*pyOp, dagql.ObjectResult[*core.ModuleSource], error) {
	dag, err := sdk.root.Server.Server(ctx)
	if err != nil {
		return nil, source, fmt.Errorf("python SDK %s: engine server: %w", op, err)
	}
	source, err = scopeSourceForSDKOperation(ctx, source, op, dag)
	if err != nil {
		return nil, source, fmt.Errorf("python SDK %s: scope module source: %w", op, err)
	}
	return &pyOp{ctx: ctx, dag: dag}, source, nil
}

// files returns the SDK image's rootfs.
func (sdk *pythonSDK) files(o *pyOp) pyDir {
	return pySelect[pyDir](o, o.dag.Root(),
		pyCall("_builtinContainer", pyArg("digest", pyStr(sdk.manifest))), pyCall("rootfs"))
}

// load reads the module's metadata and the few files that configure the runtime.
func (sdk *pythonSDK) load(o *pyOp, src dagql.ObjectResult[*core.ModuleSource]) (*pyModule, error) {
	s := src.Self()
	m := &pyModule{
		context: s.ContextDirectory, files: map[string]bool{}, vendor: pyDefaultVendor,
		subPath: s.SourceSubpath, name: s.ModuleOriginalName,
	}
	dgst, err := s.SourceImplementationDigest(o.ctx)
	if err != nil {
		return nil, fmt.Errorf("python runtime: read module source: %w", err)
	}
	m.contextPath = path.Join(pyModSourceDirPath, dgst.String())
	m.object = pyObjectName(m.name)
	m.project = pyProjectName(m.name)
	m.pkg = strings.ReplaceAll(m.project, "-", "_")

	// A new module's folder may not exist yet (dagger init --source=ci): then it has no entries.
	var source pyDir
	var entries []string
	if o.err == nil && o.dag.Select(o.ctx, m.context, &source, pyCall("directory", pyArg("path", pyStr(m.subPath)))) == nil {
		_ = o.dag.Select(o.ctx, source, &entries, pyCall("entries"))
	}
	for _, e := range entries {
		m.files[e] = true
	}
	m.isInit = !s.ConfigExists || !m.has(pyProjectFile)
	for _, dir := range []string{".venv/", "sdk/"} { // never the host's copies
		if m.has(dir) {
			m.with(o, pyCall("withoutDirectory", pyArg("path", pyStr(path.Join(m.subPath, dir)))))
		}
	}
	var py []string
	if o.err == nil && len(entries) > 0 {
		_ = o.dag.Select(o.ctx, source, &py, pyCall("glob", pyArg("pattern", pyStr("src/**/*.py|*.py"))))
	}
	if len(py) > 0 {
		m.files["*.py"] = true
	} else if !m.isInit && o.err == nil {
		return nil, errors.New("python runtime: no Python files in the module's source")
	}
	if m.has(pyProjectFile) {
		text := pyContents(o, pyDirFile(o, source, pyProjectFile))
		if o.err != nil {
			return nil, fmt.Errorf("python runtime: read pyproject.toml: %w", o.err)
		}
		if err := toml.Unmarshal([]byte(text), &m.config); err != nil {
			return nil, fmt.Errorf("python runtime: pyproject.toml: %w", err)
		}
		if m.config.Project.Name != "" {
			m.project = m.config.Project.Name
			m.pkg = strings.ReplaceAll(pyNormalizeProject(m.project), "-", "_")
		}
		if m.useUvLock() {
			m.vendor = m.config.Tool.Uv.Sources.Dagger.Path
		}
	}
	return m, o.err
}

// base returns the Python base with uv, its cache and the index settings.
func (sdk *pythonSDK) base(o *pyOp, files pyDir, m *pyModule) pyCtr {
	image := m.config.Tool.Dagger.BaseImage
	if image == "" {
		image = strings.TrimSpace(pyContents(o, pyDirFile(o, files, pyBaseImageFile)))
	}
	sels := []dagql.Selector{
		pyCall("container"),
		pyCall("from", pyArg("address", pyStr(image))),
		pyEnv("DAGGER_BASE_IMAGE", image),
		pyEnv("PYTHONUNBUFFERED", "1"),
		pyEnv("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
		pyEnv("PIP_ROOT_USER_ACTION", "ignore"),
		pyMountFile(o, "/usr/local/bin/uv", pyDirFile(o, files, "dist/uv")),
		pyMountFile(o, "/usr/local/bin/uvx", pyDirFile(o, files, "dist/uvx")),
		pyMountCache(o, "/root/.cache/uv", "modpython-uv"),
		pyEnv("UV_SYSTEM_PYTHON", "1"),
		pyEnv("UV_LINK_MODE", "copy"),
		pyEnv("UV_NATIVE_TLS", "1"),
		pyEnv("UV_PROJECT_ENVIRONMENT", pyVenvPath),
	}
	for _, idx := range m.config.Tool.Uv.Index {
		name := "UV_EXTRA_INDEX_URL"
		if idx.Default {
			name = "UV_INDEX_URL"
		}
		sels = append(sels, pyEnv(name, idx.URL))
	}
	return pySelect[pyCtr](o, o.dag.Root(), sels...)
}

// common vendors the SDK, generates the bindings, adds template files to a new module and mounts the source.
func (sdk *pythonSDK) common(
	o *pyOp, deps *core.SchemaBuilder, src dagql.ObjectResult[*core.ModuleSource],
) (*pyModule, pyCtr, error) {
	files := sdk.files(o)
	m, err := sdk.load(o, src)
	if err != nil {
		return nil, pyCtr{}, err
	}
	ctr := sdk.base(o, files, m)
	schemaFile, err := deps.SchemaIntrospectionJSONFileForModule(o.ctx)
	if err != nil {
		return nil, pyCtr{}, fmt.Errorf("python runtime: schema introspection json: %w", err)
	}
	schemaID := pyID(o, schemaFile)
	if o.err != nil {
		return nil, pyCtr{}, o.err
	}
	schema, err := schemaID.Load(o.ctx, o.dag)
	if err != nil {
		return nil, pyCtr{}, fmt.Errorf("python runtime: schema introspection json: %w", err)
	}
	// The module's own files, before the generated bindings join them: reading these waits for no codegen.
	own := m.context
	genPath := pyUserGenPath
	if m.vendor != "" {
		sdkFiles := pySelect[pyDir](o, files, pyCall("withoutDirectory", pyArg("path", pyStr("dist"))),
			pyCall("withoutDirectory", pyArg("path", pyStr(pyTemplateDir))))
		m.with(o, pyCall("withDirectory",
			pyArg("path", pyStr(path.Join(m.subPath, m.vendor))), pyArg("source", pyID(o, sdkFiles.Result))))
		genPath = path.Join(m.vendor, pySDKGenPath)
	}
	m.addFile(o, genPath, sdk.bindings(o, files, ctr, schema))
	template := func(name string) string { return pyContents(o, pyDirFile(o, files, path.Join(pyTemplateDir, name))) }
	sels := []dagql.Selector{
		pyCall("withNewFile", pyArg("path", pyStr(pyRuntimePath)), pyArg("contents", pyStr(template("runtime.py"))),
			pyArg("permissions", dagql.NewInt(0o755))),
		pyCall("withEntrypoint", pyArg("args", pyStrs(pyRuntimePath))),
	}
	if m.isInit {
		if !m.has(pyProjectFile) {
			project := strings.ReplaceAll(template("pyproject.toml"), `name = "main"`, fmt.Sprintf("name = %q", m.project))
			if m.vendor != "" {
				project += fmt.Sprintf("\n[tool.uv.sources]\ndagger-io = { path = %q, editable = true }\n", m.vendor)
			}
			m.addNewFile(o, pyProjectFile, project)
		}
		if !m.has("*.py") {
			for _, name := range []string{"__init__.py", "main.py"} {
				m.addNewFile(o, path.Join("src", m.pkg, name), strings.ReplaceAll(template(name), pyTemplateObject, m.object))
			}
		}
	}
	if m.useUvLock() && m.vendor == "" && m.has(pyUvLockFile) && !m.isInit {
		// The module's dependencies alone, from pyproject.toml and uv.lock: cached until those two change, so an
		// edit to the module's code installs nothing again (the official runtime installs them with the code). Any
		// exit is fine: a project this cannot install (path sources) gets everything from the full sync below.
		lockOnly := pySelect[pyDir](o, o.dag.Root(), pyCall("directory"),
			pyCall("withFile", pyArg("path", pyStr(pyProjectFile)),
				pyArg("source", pyID(o, pyDirFile(o, own, path.Join(m.subPath, pyProjectFile)).Result))),
			pyCall("withFile", pyArg("path", pyStr(pyUvLockFile)),
				pyArg("source", pyID(o, pyDirFile(o, own, path.Join(m.subPath, pyUvLockFile)).Result))))
		sels = append(sels,
			pyCall("withMountedDirectory", pyArg("path", pyStr(pyDepsPath)), pyArg("source", pyID(o, lockOnly.Result))),
			pyCall("withWorkdir", pyArg("path", pyStr(pyDepsPath))),
			pyEnv("UV_COMPILE_BYTECODE", "1"),
			pyCall("withExec", pyArg("args", pyStrs("uv", "sync", "--no-dev", "--frozen", "--no-install-project")),
				pyArg("expect", core.ReturnAny)),
			pyCall("withoutMount", pyArg("path", pyStr(pyDepsPath))),
		)
	}
	sels = append(sels,
		pyCall("withWorkdir", pyArg("path", pyStr(path.Join(m.contextPath, m.subPath)))),
		pyCall("withMountedDirectory", pyArg("path", pyStr(m.contextPath)), pyArg("source", pyID(o, m.context.Result))),
		pyEnv("DAGGER_MODULE", m.name),
		pyEnv("DAGGER_DEFAULT_PYTHON_PACKAGE", m.pkg),
		pyEnv("DAGGER_MAIN_OBJECT", m.object),
	)
	// A uv.lock is brought up to date by `uv sync` in the runtime and by `uv lock` in Codegen.
	if m.useUv() && !m.useUvLock() && m.has(pyPipLockFile) && !m.isInit {
		args := []string{"uv", "pip", "compile", "-q", "--universal", "-o", pyPipLockFile, pyProjectFile}
		if m.vendor != "" {
			args = append(args, path.Join(m.vendor, pyProjectFile))
		}
		sels = append(sels, pyExec(args...))
	}
	ctr = pySelect[pyCtr](o, ctr, sels...)
	return m, ctr, o.err
}

// bindings returns the generated client for the module's schema: the SDK image's prebuilt one when the schema is
// the one it was generated from (a module without dependencies on this engine), else the codegen's output.
func (sdk *pythonSDK) bindings(o *pyOp, files pyDir, base pyCtr, schema pyFile) pyFile {
	exclude := pyCall("digest", pyArg("excludeMetadata", dagql.NewBoolean(true)))
	prebuilt := pyDirFile(o, files, pyPrebuiltSchema)
	want, have := pySelect[string](o, schema, exclude), pySelect[string](o, prebuilt, exclude)
	if o.err == nil && want == have {
		return pyDirFile(o, files, pyPrebuiltGen)
	}
	return pySelect[pyFile](o, base,
		pyMountCache(o, "/root/.shiv", "shiv"),
		pyMountFile(o, "/usr/local/bin/codegen", pyDirFile(o, files, "dist/codegen")),
		pyMountFile(o, pySchemaPath, schema),
		pyExec("codegen", "generate", "-i", pySchemaPath, "-o", "/gen.py"),
		pyCall("file", pyArg("path", pyStr("/gen.py"))),
	)
}

// runtime returns the container that serves the module's functions.
func (sdk *pythonSDK) runtime(
	o *pyOp, deps *core.SchemaBuilder, src dagql.ObjectResult[*core.ModuleSource],
) (pyCtr, error) {
	m, ctr, err := sdk.common(o, deps, src)
	if err != nil {
		return ctr, err
	}
	sels := []dagql.Selector{pyEnv("UV_COMPILE_BYTECODE", "1")}
	if m.useUvLock() {
		expand := pyArg("expand", dagql.NewBoolean(true))
		sels = append(sels,
			pyExec("uv", "sync", "--no-dev"),
			pyCall("withEnvVariable", pyArg("name", pyStr("VIRTUAL_ENV")), pyArg("value", pyStr("$UV_PROJECT_ENVIRONMENT")), expand),
			pyCall("withEnvVariable", pyArg("name", pyStr("PATH")), pyArg("value", pyStr("$VIRTUAL_ENV/bin:$PATH")), expand),
		)
	} else {
		install := []string{"pip", "install", "-e", "./" + m.vendor, "-e", "."}
		check := []string{"pip", "check"}
		if m.useUv() {
			if m.has(pyPipLockFile) {
				install = append(install, "--no-deps", "-r", pyPipLockFile)
			}
			install = append([]string{"uv"}, install...)
			check = append([]string{"uv"}, check...)
		}
		sels = append(sels, pyExec(install...), pyExec(check...))
	}
	ctr = pySelect[pyCtr](o, ctr, sels...)
	return ctr, o.err
}

func (sdk *pythonSDK) Runtime(
	ctx context.Context, deps *core.SchemaBuilder, source dagql.ObjectResult[*core.ModuleSource],
) (_ core.ModuleRuntime, rerr error) {
	ctx, span := core.Tracer(ctx).Start(ctx, "python SDK: load runtime")
	defer telemetry.EndWithCause(span, &rerr)
	o, source, err := sdk.start(ctx, source, "runtime")
	if err != nil {
		return nil, err
	}
	ctr, err := sdk.runtime(o, deps, source)
	if err != nil {
		return nil, fmt.Errorf("python SDK runtime: %w", err)
	}
	ctr = pySelect[pyCtr](o, ctr, pyCall("withWorkdir", pyArg("path", pyStr(RuntimeWorkdirPath))))
	if o.err != nil {
		return nil, fmt.Errorf("python SDK runtime: %w", o.err)
	}
	return &core.ContainerRuntime{Container: ctr}, nil
}

// ModuleTypes runs the runtime container once with --register: it writes the module's type definitions (a Module
// ID, as JSON) to a file, which is loaded as the module.
func (sdk *pythonSDK) ModuleTypes(
	ctx context.Context,
	deps *core.SchemaBuilder,
	source dagql.ObjectResult[*core.ModuleSource],
	partiallyInitializedMod *core.Module,
) (inst dagql.ObjectResult[*core.Module], rerr error) {
	ctx, span := core.Tracer(ctx).Start(ctx, "python SDK: load typedefs object")
	defer telemetry.EndWithCause(span, &rerr)
	o, source, err := sdk.start(ctx, source, "moduleTypes")
	if err != nil {
		return inst, err
	}
	scopedMod, err := ScopeModuleForSDKOperation(ctx, partiallyInitializedMod, "moduleTypes", o.dag)
	if err != nil {
		return inst, fmt.Errorf("python SDK moduleTypes: scope module: %w", err)
	}
	moduleContextID, err := core.ResultIDInput(scopedMod)
	if err != nil {
		return inst, fmt.Errorf("python SDK moduleTypes: module context ID: %w", err)
	}
	ctr, err := sdk.runtime(o, deps, source)
	if err != nil {
		return inst, fmt.Errorf("python SDK moduleTypes: %w", err)
	}
	execMD := engineutil.ExecutionMetadata{Internal: true, UseRecipeIDsByDefault: true}
	if curCall := dagql.CurrentCall(ctx); curCall != nil {
		if execMD.CallDigest, err = curCall.RecipeDigest(ctx); err != nil {
			return inst, fmt.Errorf("python SDK moduleTypes: exec call digest: %w", err)
		}
	}
	hidden := &pyOp{ctx: dagql.WithSkip(ctx), dag: o.dag}
	synced := pySelect[dagql.ID[*core.Container]](hidden, ctr,
		pyEnv("DAGGER_MODULE_FILE", pyModuleIDPath),
		pyCall("withEntrypoint", pyArg("args", pyStrs(pyRuntimePath, "--register"))),
		pyCall("withExec",
			pyArg("args", dagql.ArrayInput[dagql.String]{}),
			pyArg("useEntrypoint", dagql.NewBoolean(true)),
			pyArg("experimentalPrivilegedNesting", dagql.NewBoolean(true)),
			pyArg("execMD", dagql.NewDigestedSerializedString(&execMD, pyExecMDDigest)),
			pyArg("moduleContext", dagql.Opt(moduleContextID)),
		),
		pyCall("sync"),
	)
	if hidden.err != nil {
		return inst, fmt.Errorf("python SDK moduleTypes: register the module: %w", hidden.err)
	}
	if ctr, err = synced.Load(ctx, o.dag); err != nil {
		return inst, fmt.Errorf("python SDK moduleTypes: load the registered container: %w", err)
	}
	modDefsID := pySelect[string](o, ctr, pyCall("file", pyArg("path", pyStr(pyModuleIDPath))), pyCall("contents"))
	if o.err != nil {
		return inst, fmt.Errorf("python SDK moduleTypes: read the type definitions: %w", o.err)
	}
	var modID core.ModuleID
	if err = json.Unmarshal([]byte(modDefsID), &modID); err != nil {
		return inst, fmt.Errorf("python SDK moduleTypes: decode the module ID: %w", err)
	}
	modCallID, err := modID.ID()
	if err != nil {
		return inst, fmt.Errorf("python SDK moduleTypes: module ID handle: %w", err)
	}
	if inst, err = dagql.NewID[*core.Module](modCallID).Load(ctx, o.dag); err != nil {
		return inst, fmt.Errorf("python SDK moduleTypes: load the module: %w", err)
	}
	if modCallID.IsHandle() {
		cache, err := dagql.EngineCache(ctx)
		if err != nil {
			return inst, fmt.Errorf("python SDK moduleTypes: engine cache: %w", err)
		}
		if err := cache.AddExplicitDependency(ctx, ctr, inst, "python_sdk_module_types"); err != nil {
			return inst, fmt.Errorf("python SDK moduleTypes: retain the module: %w", err)
		}
	}
	return inst, nil
}

// Codegen returns the module's source with the SDK vendored and its bindings generated.
func (sdk *pythonSDK) Codegen(
	ctx context.Context, deps *core.SchemaBuilder, source dagql.ObjectResult[*core.ModuleSource],
) (_ *core.GeneratedCode, rerr error) {
	ctx, span := core.Tracer(ctx).Start(ctx, "python SDK: run codegen")
	defer telemetry.EndWithCause(span, &rerr)
	o, source, err := sdk.start(ctx, source, "codegen")
	if err != nil {
		return nil, err
	}
	m, ctr, err := sdk.common(o, deps, source)
	if err != nil {
		return nil, fmt.Errorf("python SDK codegen: %w", err)
	}
	sels := []dagql.Selector{}
	if m.useUvLock() {
		sels = append(sels, pyExec("uv", "lock"))
	}
	sels = append(sels, pyCall("directory", pyArg("path", pyStr(m.contextPath))))
	code := pySelect[pyDir](o, ctr, sels...)
	if o.err != nil {
		return nil, fmt.Errorf("python SDK codegen: %w", o.err)
	}
	ignored := []string{".venv", "**/__pycache__"}
	generated := []string{}
	if m.vendor != "" {
		ignored = append(ignored, m.vendor)
		generated = append(generated, m.vendor+"/**")
	}
	return &core.GeneratedCode{Code: code, VCSGeneratedPaths: generated, VCSIgnoredPaths: ignored}, nil
}

var (
	pySeparators = regexp.MustCompile(`[._\s-]+`)
	pyDisallowed = regexp.MustCompile(`[^a-z0-9-]+`)
	pyCamelHump  = regexp.MustCompile(`([a-z0-9])([A-Z])`)
)

// pyObjectName is the main object's class name: the module name in PascalCase ("my-mod" -> "MyMod").
func pyObjectName(name string) string {
	var b strings.Builder
	for _, word := range pySeparators.Split(pyCamelHump.ReplaceAllString(name, "$1 $2"), -1) {
		if word != "" {
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return b.String()
}

// pyProjectName is the PEP 503 project name derived from the module name ("MyMod" -> "my-mod").
func pyProjectName(name string) string {
	return pyNormalizeProject(pyCamelHump.ReplaceAllString(pyObjectName(name), "$1-$2"))
}

// pyNormalizeProject normalises a project name as PEP 503 does, dropping characters it does not allow.
func pyNormalizeProject(name string) string {
	n := pySeparators.ReplaceAllString(strings.ToLower(name), "-")
	return strings.Trim(pyDisallowed.ReplaceAllString(n, ""), "-")
}
