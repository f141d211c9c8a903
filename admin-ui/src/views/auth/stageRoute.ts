import type { Router } from 'vue-router'
import { STAGE_ROUTES, useAuthStore } from '@/stores/auth'
import { homePath } from '@/nav'

/** After an authentication step: go to the next step, or into the console (to `redirect` when given). */
export function goOn(router: Router, redirect?: unknown): Promise<unknown> {
  const auth = useAuthStore()
  if (auth.stage === 'full') {
    const to = typeof redirect === 'string' && redirect.startsWith('/') && !redirect.startsWith('//') ? redirect : ''
    return router.replace(to || homePath(auth.permissions))
  }
  if (auth.stage === 'unknown') return router.replace('/login')
  return router.replace({ path: STAGE_ROUTES[auth.stage], query: redirect ? { redirect: String(redirect) } : {} })
}
