/** @module The IDE's entry: starts the workspace worker and renders the app. */
import { render } from 'solid-js/web'
import { App } from './App'
import { createWorkspaceClient } from './workspace/client'
import { registerServiceWorker, showUpdateNotice } from './offline'
import './app.css'

const client = createWorkspaceClient()
render(() => <App client={client} />, document.getElementById('root')!)
if (import.meta.env.PROD) registerServiceWorker({ onUpdateReady: showUpdateNotice })
