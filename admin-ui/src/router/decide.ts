// Where a navigation may go, from the session's stage and the user's permissions. Pure, so it is unit-tested.
import { STAGE_ROUTES, type AuthStage } from '@/stores/auth'
import { allowed, homePath } from '@/nav'
import type { Permission } from '@/api/types'

export interface Target {
  path: string
  fullPath?: string
  meta: { stage?: AuthStage; anyOf?: Permission[] }
}

/** `true` to let the navigation through, or the path to go to instead. */
export function decide(stage: AuthStage, to: Target, perms: ReadonlySet<string>): true | string {
  if (stage === 'unknown') return true
  if (stage !== 'full') {
    const home = STAGE_ROUTES[stage]
    if (to.path === home) return true
    if (stage === 'anonymous' && to.fullPath && to.fullPath !== '/' && !to.meta.stage) {
      return `${home}?redirect=${encodeURIComponent(to.fullPath)}`
    }
    return home
  }
  if (to.meta.stage) return homePath(perms)
  if (to.meta.anyOf && !allowed({ anyOf: to.meta.anyOf }, perms)) return '/forbidden'
  return true
}
