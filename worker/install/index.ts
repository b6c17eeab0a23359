/** @module The self-contained core of `npm install` in the tab: integrity, tarballs, lockfiles, .npmrc, bin links. */
export { verifyIntegrity, integrityOf, integrityFromShasum, shasumOf, type IntegrityAlgorithm } from './integrity'
export { extractPackage, type PackageFile, type SkippedEntry, type ExtractOptions } from './tar'
export { planFromLockfile, lockfileMatches, lockfileDifferences, type PlannedPackage, type InstallPlan, type PlanOptions } from './lockfile'
export { parseNpmrc, registryFor, authFor, type NpmConfig, type RegistryAuth } from './npmrc'
export { binLinks, installScriptsOf, needsNativeBuild, type BinSource, type BinLink } from './layout'
export { platformAllows, type Platform } from './platform'
export { resolveDependencies, type Packument, type PackumentVersion, type ResolveOptions, type ResolveResult } from './resolve'
