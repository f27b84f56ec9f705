import PrimeVue from 'primevue/config'
import ConfirmationService from 'primevue/confirmationservice'
import ToastService from 'primevue/toastservice'
import Tooltip from 'primevue/tooltip'
import { createApp } from 'vue'
import 'primeicons/primeicons.css'
import App from './App.vue'
import { onSessionExpired } from './api/client'
import { router } from './router'
import { HelpdeskTheme } from './theme'
import { forgetSession, session } from './session/session'
import { keepFocusInOpeningDialogs } from './shared/dialogFocus'
import './styles.css'

// An expired session goes back to sign-in, which returns the operator to where they were.
onSessionExpired(() => {
  forgetSession()
  const here = router.currentRoute.value
  if (!here.meta.public && !session.signedOut) void router.push({ path: '/sign-in', query: { redirect: here.fullPath, expired: '1' } })
})

keepFocusInOpeningDialogs(document)

createApp(App)
  .use(router)
  .use(PrimeVue, { theme: { preset: HelpdeskTheme, options: { darkModeSelector: '.dark-mode', cssLayer: false } } })
  .use(ToastService)
  .use(ConfirmationService)
  .directive('tooltip', Tooltip)
  .mount('#app')
