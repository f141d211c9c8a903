import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus, { ElMessage } from 'element-plus'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { router } from './router'
import { i18n, t } from './i18n'
import { configureHttp } from './api/http'
import { STAGE_ROUTES, useAuthStore } from './stores/auth'
import './styles.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia).use(i18n).use(ElementPlus)

const auth = useAuthStore(pinia)

configureHttp({
  csrfToken: () => auth.csrfToken,
  locale: () => String(i18n.global.locale.value),
  notify: (message, err) => {
    const text = err.code === 'network' ? t('errors.network') : message || t('errors.unknown')
    ElMessage({ type: 'error', message: text, grouping: true, duration: 5000, customClass: 'siyu-error-toast' })
  },
  onUnauthenticated: () => {
    const wasIn = auth.stage !== 'anonymous'
    auth.reset()
    if (wasIn && router.currentRoute.value.name !== 'login') {
      void router.push({ path: '/login', query: { redirect: router.currentRoute.value.fullPath } })
    }
  },
  onStepRequired: async (step) => {
    if (step === 'password_change') {
      auth.stage = 'password_change'
    } else {
      await auth.refresh()
    }
    const stage = auth.stage
    if (stage !== 'full' && stage !== 'unknown') void router.push(STAGE_ROUTES[stage])
  },
})

app.use(router)
app.mount('#app')
