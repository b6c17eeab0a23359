/**
 * @module The Python side of a run, loaded once into pyodide as the module `_coder_driver`.
 * `run(argv, cwd, env, stdin)` starts the program as `python` would (a script, `-c`, `-m`,
 * `-m unittest`, or the source on stdin), turns its end into an exit code as CPython does, and
 * returns JSON `{ "code": int, "tests": [...] | null }`.
 */

/** The driver's file name in tracebacks; frames of this file are left out of the ones printed. */
export const DRIVER_FILENAME = '<coder-driver>'

/** The driver's source (Python). */
export const DRIVER_SOURCE = String.raw`
import sys, os, io, re, time, types, importlib, linecache, traceback, json

WORKSPACE = '/workspace'
_FILENAME = '<coder-driver>'
_base_path = [p for p in sys.path if p not in ('', '/home/pyodide')]
_base_environ = dict(os.environ)
_real_main = sys.modules.get('__main__')
# What runpy and unittest print as the program's name.
sys.executable = 'python'
_tests = None


# The project's virtual environment (what pip install in the tab fills), as an activated venv
# would put it on sys.path.
_VENV_SITE = WORKSPACE + '/.venv/lib/python%d.%d/site-packages' % sys.version_info[:2]


def _search_path(first):
    # first + PYTHONPATH + the standard library, with the venv's site-packages (when there is one)
    # ahead of the system's, as in a venv; its .pth files are read as site.py reads them.
    extra = [p for p in os.environ.get('PYTHONPATH', '').split(':') if p]
    paths = first + extra + _base_path
    if os.path.isdir(_VENV_SITE):
        at = next((i for i, p in enumerate(paths) if p.endswith('site-packages') and i >= len(first) + len(extra)), len(paths))
        paths.insert(at, _VENV_SITE)
    sys.path[:] = paths
    if os.path.isdir(_VENV_SITE):
        import site
        site.addsitedir(_VENV_SITE)


def _under_workspace(path):
    return isinstance(path, str) and (path == WORKSPACE or path.startswith(WORKSPACE + '/'))


def _relative(path):
    if _under_workspace(path):
        return os.path.relpath(path, WORKSPACE)
    return path or ''


def _forget_workspace():
    # Modules imported from the workspace are imported afresh by the next run (they may have
    # changed); the standard library stays loaded.
    for name, mod in list(sys.modules.items()):
        try:
            file = getattr(mod, '__file__', None)
            paths = getattr(mod, '__path__', None)
            ours = _under_workspace(file) or (paths is not None and not isinstance(paths, str) and any(_under_workspace(p) for p in list(paths)))
        except Exception:
            ours = False
        if ours:
            del sys.modules[name]
    for key in list(sys.path_importer_cache):
        if not isinstance(key, str) or not key.startswith('/') or _under_workspace(key):
            del sys.path_importer_cache[key]
    importlib.invalidate_caches()
    linecache.clearcache()


def _exit_code(e):
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + '\n')
    except Exception:
        pass
    return 1


def _strip(tb):
    while tb is not None and tb.tb_frame.f_code.co_filename == _FILENAME:
        tb = tb.tb_next
    return tb


def _report(e):
    tb = _strip(e.__traceback__)
    e.__traceback__ = tb
    sys.excepthook(type(e), e, tb)
    return 130 if isinstance(e, KeyboardInterrupt) else 1


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _location(err, test_file):
    exc_type, exc, tb = err
    if isinstance(exc, SyntaxError) and _under_workspace(exc.filename) and exc.lineno:
        return {'path': _relative(exc.filename), 'line': exc.lineno, 'column': exc.offset or 1}
    frames = traceback.extract_tb(tb)
    for wanted in (lambda f: f.filename == test_file, lambda f: _under_workspace(f.filename)):
        for frame in reversed(frames):
            if wanted(frame):
                return {'path': _relative(frame.filename), 'line': frame.lineno or 0, 'column': (frame.colno or 0) + 1}
    return None


def _location_in_text(text):
    found = re.findall(r'File "(/workspace/[^"]+)", line (\d+)', text or '')
    if not found:
        return None
    path, line = found[-1]
    return {'path': _relative(path), 'line': int(line), 'column': 1}


def _module_path(name):
    # Where a dotted module name that failed to import lives, looked up along sys.path.
    if not isinstance(name, str) or not re.fullmatch(r'[\w.]+', name):
        return None
    for entry in sys.path:
        base = os.path.join(entry or os.getcwd(), *name.split('.'))
        for candidate in (base + '.py', os.path.join(base, '__init__.py')):
            if _under_workspace(candidate) and os.path.isfile(candidate):
                return _relative(candidate)
    return None


def _module_file(test):
    mod = sys.modules.get(type(test).__module__)
    return getattr(mod, '__file__', None)


def _run_unittest(args):
    import unittest

    class RecordingResult(unittest.TextTestResult):
        """The default text result (so the output stays native) that also records each test."""

        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self._coder = {}

        def _record(self, test):
            rec = self._coder.get(id(test))
            if rec is None:
                rec = self._coder[id(test)] = self._describe(test)
                _tests.append(rec)
            return rec

        def _describe(self, test):
            cls = type(test)
            file = _module_file(test)
            if isinstance(test, unittest.TestCase) and cls.__module__ != 'unittest.loader':
                suites = [s for s in cls.__qualname__.split('.') if s != '<locals>']
                name = getattr(test, '_testMethodName', None) or str(test)
            else:
                # An import failure (_FailedTest) or a class/module fixture error (_ErrorHolder).
                suites = []
                name = getattr(test, '_testMethodName', None) or getattr(test, 'description', None) or str(test)
                file = None
            return {'file': _relative(file), 'suites': suites, 'name': name, 'status': None, 'durationMs': 0,
                    'failure': None, '_t0': time.perf_counter(), '_testFile': file}

        def _fail(self, test, err):
            rec = self._record(test)
            rec['status'] = 'failed'
            if rec['failure'] is None:
                exc_type, exc, tb = err
                if isinstance(test, unittest.TestCase) and issubclass(exc_type, test.failureException):
                    message = str(exc)
                else:
                    message = ''.join(traceback.format_exception_only(exc_type, exc)).strip()
                stack = self._exc_info_to_string(err, test)
                location = _location(err, rec['_testFile']) or _location_in_text(stack)
                lines = [line for line in message.splitlines() if line.strip()]
                if len(lines) > 1:
                    # An import failure's message holds the whole traceback: keep what and why.
                    message = lines[0] + '\n' + lines[-1]
                if not rec['file']:
                    rec['file'] = _module_path(rec['name']) or (location['path'] if location else '')
                rec['failure'] = {'message': message, 'stack': stack, 'location': location}

        def startTest(self, test):
            self._record(test)['_t0'] = time.perf_counter()
            super().startTest(test)

        def stopTest(self, test):
            super().stopTest(test)
            rec = self._record(test)
            rec['durationMs'] = (time.perf_counter() - rec['_t0']) * 1000
            if rec['status'] is None:
                rec['status'] = 'passed'

        def addSuccess(self, test):
            super().addSuccess(test)
            rec = self._record(test)
            if rec['status'] is None:
                rec['status'] = 'passed'

        def addFailure(self, test, err):
            super().addFailure(test, err)
            self._fail(test, err)

        def addError(self, test, err):
            super().addError(test, err)
            self._fail(test, err)

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                self._fail(test, err)

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            rec = self._record(test)
            if rec['status'] is None:
                rec['status'] = 'skipped'

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            rec = self._record(test)
            if rec['status'] is None:
                rec['status'] = 'passed'

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            rec = self._record(test)
            rec['status'] = 'failed'
            rec['failure'] = {'message': 'unexpected success', 'stack': None, 'location': None}

    class RecordingRunner(unittest.TextTestRunner):
        resultclass = RecordingResult

    global _tests
    _tests = []
    sys.argv = ['python -m unittest'] + list(args)
    unittest.main(module=None, testRunner=RecordingRunner)


def _run_file(path, main):
    if os.path.isdir(path):
        import runpy
        runpy.run_path(path, run_name='__main__')
        return
    with open(path, 'rb') as f:
        source = f.read()
    main.__file__ = path
    main.__cached__ = None
    code = compile(source, path, 'exec')
    exec(code, main.__dict__)


def run(argv, cwd, env, stdin):
    global _tests
    _tests = None
    sys.stdout = sys.__stdout__
    sys.stderr = sys.__stderr__
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except Exception:
            pass
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode('utf-8')), encoding='utf-8')
    os.environ.clear()
    os.environ.update(_base_environ)
    os.environ.update(env)
    os.environ['PWD'] = cwd
    code = 0
    try:
        os.chdir(cwd)
        _forget_workspace()
        main = types.ModuleType('__main__')
        main.__builtins__ = __builtins__
        sys.modules['__main__'] = main
        args = list(argv[1:])
        while args and args[0] in ('-u', '-B', '-E', '-s', '-q', '-I', '-P'):
            args.pop(0)
        if not args or args[0] == '-':
            sys.argv = [''] + args[1:]
            _search_path([''])
            sys.stdin = io.TextIOWrapper(io.BytesIO(b''), encoding='utf-8')
            exec(compile(stdin, '<stdin>', 'exec'), main.__dict__)
        elif args[0] == '-c':
            if len(args) < 2:
                sys.stderr.write('Argument expected for the -c option\n')
                return json.dumps({'code': 2, 'tests': None})
            sys.argv = ['-c'] + args[2:]
            _search_path([''])
            exec(compile(args[1], '<string>', 'exec'), main.__dict__)
        elif args[0] == '-m':
            if len(args) < 2:
                sys.stderr.write('Argument expected for the -m option\n')
                return json.dumps({'code': 2, 'tests': None})
            sys.argv = ['-m'] + args[2:]
            _search_path([os.getcwd()])
            if args[1] == 'unittest':
                _run_unittest(args[2:])
            else:
                import runpy
                runpy._run_module_as_main(args[1], alter_argv=True)
        elif args[0].startswith('-'):
            sys.stderr.write('Unknown option: ' + args[0] + '\n')
            return json.dumps({'code': 2, 'tests': None})
        else:
            path = os.path.abspath(args[0])
            sys.argv = args
            if not os.path.exists(path):
                sys.stderr.write("python: can't open file %r: [Errno 2] No such file or directory\n" % path)
                code = 2
            else:
                _search_path([os.path.dirname(os.path.realpath(path))])
                _run_file(path, main)
    except SystemExit as e:
        code = _exit_code(e)
    except BaseException as e:
        code = _report(e)
    finally:
        _flush()
        if _real_main is not None:
            sys.modules['__main__'] = _real_main
    tests = None
    if _tests is not None:
        tests = [{k: v for k, v in rec.items() if not k.startswith('_')} for rec in _tests]
        for rec in tests:
            if rec['status'] is None:
                rec['status'] = 'failed'
    return json.dumps({'code': code, 'tests': tests})
`
