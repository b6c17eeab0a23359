/** @module Projects: each one a namespace with the standard mounts, stored in its own IndexedDB database. */
export { createProjects, type Projects, type OpenProject, type ProjectsOptions } from './projects'
