/**
 * @module The self-contained core of `pip install` in the tab: PEP 440 versions and specifiers,
 * PEP 508 requirements and markers, requirements files, pip.conf, the simple repository API
 * (PEP 503 HTML, PEP 691 JSON), wheel names, tags and layout, and the resolver.
 */
export { parseVersion, tryParseVersion, formatVersion, compareVersions, isPrerelease, type Version } from './version'
export { parseSpecifiers, formatSpecifiers, specifierMatches, satisfiesAll, allowsPrereleases, selectMatching, type Specifier, type Operator } from './specifiers'
export { parseMarker, evaluateMarker, formatMarker, type Marker } from './markers'
export { parseRequirement, formatRequirement, normalizeName, requirementApplies, type Requirement } from './requirement'
export { parseRequirementsFile, type RequirementsFile, type FileRequirement, type ReadText } from './requirements-file'
export { parsePipConf, type PipConfig } from './pip-conf'
export { parseProjectPage, fileIntegrity, SIMPLE_ACCEPT, SIMPLE_JSON, type IndexFile } from './simple-index'
export { parseWheelFilename, sdistVersion, tagRank, parseMetadata, type WheelName, type DistMetadata } from './wheel'
export { layoutWheel, recordedFiles, parseRecord, type InstallFile, type WheelInstall } from './wheel-install'
export { availableFrom, pythonAllowed, type Candidate, type Availability, type SkippedVersion } from './candidates'
export { resolve, type RootRequirement, type ResolveSource, type ResolveOptions, type Resolved, type Resolution } from './resolve'
export { PYODIDE_TARGET, PYODIDE_PYTHON, PYODIDE_ABI, PYODIDE_EMSCRIPTEN, VENV, type PythonTarget, type MarkerEnvironment } from './environment'
export { parsePipArgs, PIP_USAGE, type PipCommand, type InstallOptions } from './command-line'
