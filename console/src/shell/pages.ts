// What every page declares about itself (route meta): its title, the flags it needs (every one of
// `flags`, and one at least of `anyFlag`), whether it belongs to the ticket module, and where it sits
// in the menu. The router's guard and the menu both read this one declaration, so a page's menu entry
// and its access can never disagree.
import 'vue-router'

export interface MenuPlace {
  group: 'Tickets' | 'ITSM' | 'Administration' | 'Settings'
  label: string
  icon: string
  order: number
}

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Signed-out pages (sign-in). */
    public?: boolean
    /** Every flag the page needs. */
    flags?: string[]
    /** One of these at least (incidents: `incidents.view` or `incidents.manage`). */
    anyFlag?: string[]
    /** Needs the ticket module switched on (Settings, Ticket System). */
    ticketModule?: boolean
    menu?: MenuPlace
  }
}
