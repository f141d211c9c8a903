// The left navigation: which screens a user sees follows from the permissions /me reports. The router uses the
// same table to refuse a screen typed into the address bar.

import type { Permission } from '@/api/types'

export interface NavItem {
  /** Route name and path segment. */
  name: string
  path: string
  /** i18n key of the label. */
  label: string
  /** Icon component name from @element-plus/icons-vue. */
  icon: string
  /** Any one of these permissions shows the item; none listed means every full session. */
  anyOf: Permission[]
}

export const NAV: NavItem[] = [
  { name: 'org', path: '/org', label: 'nav.org', icon: 'OfficeBuilding', anyOf: ['org.read'] },
  { name: 'staff', path: '/staff', label: 'nav.staff', icon: 'User', anyOf: ['staff.read'] },
  { name: 'customers', path: '/customers', label: 'nav.customers', icon: 'Avatar', anyOf: ['customer.read'] },
  { name: 'wecom', path: '/wecom', label: 'nav.wecom', icon: 'ChatDotRound', anyOf: ['customer.read'] },
  { name: 'channels', path: '/channels', label: 'nav.channels', icon: 'Promotion', anyOf: ['wecom.channel.manage'] },
  { name: 'wecom-tags', path: '/wecom/tags', label: 'nav.wecomTags', icon: 'PriceTag', anyOf: ['wecom.tag.manage'] },
  { name: 'exports', path: '/exports', label: 'nav.exports', icon: 'Download', anyOf: ['data.export'] },
  { name: 'approvals', path: '/approvals', label: 'nav.approvals', icon: 'Checked', anyOf: ['export.approve'] },
  { name: 'roles', path: '/roles', label: 'nav.roles', icon: 'Key', anyOf: [] },
  { name: 'audit', path: '/audit', label: 'nav.audit', icon: 'Document', anyOf: ['audit.read'] },
  { name: 'security', path: '/security', label: 'nav.security', icon: 'Lock', anyOf: ['security.policy.read'] },
  { name: 'system', path: '/system', label: 'nav.system', icon: 'Monitor', anyOf: ['system.status'] },
  { name: 'tokens', path: '/tokens', label: 'nav.tokens', icon: 'Tickets', anyOf: [] },
]

export function allowed(item: Pick<NavItem, 'anyOf'>, perms: ReadonlySet<string>): boolean {
  return item.anyOf.length === 0 || item.anyOf.some((p) => perms.has(p))
}

/** The items a user with `perms` sees, in menu order. */
export function visibleNav(perms: ReadonlySet<string>): NavItem[] {
  return NAV.filter((i) => allowed(i, perms))
}

/** Where a user lands after login: the first screen with real work on it. */
export function homePath(perms: ReadonlySet<string>): string {
  const first = NAV.find((i) => i.anyOf.length > 0 && allowed(i, perms))
  return first?.path ?? '/roles'
}
