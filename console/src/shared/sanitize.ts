// Every piece of HTML the console shows (comments, templates, mail) goes through here: no script,
// no event handler, no javascript: link, no SVG or MathML, no styles or classes that could dress
// content up as the console's own controls, and no remote image until the operator asks for it.
import DOMPurify from 'dompurify'

export interface Sanitized {
  html: string
  blockedImages: number
}

const REMOTE = /^(https?:)?\/\//i

// One purifier for every call (making one per message was most of opening a long conversation,
// make bench-console); its hook reads what the current call asked for.
const purifier = DOMPurify()
const current = { remoteImages: false, blockedImages: 0 }

purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer nofollow')
  }
  if (node.tagName === 'IMG') {
    const source = node.getAttribute('src') ?? ''
    if (REMOTE.test(source) && !current.remoteImages) {
      node.removeAttribute('src')
      node.setAttribute('data-blocked-src', source)
      node.setAttribute('alt', node.getAttribute('alt') || 'remote image (not loaded)')
      current.blockedImages += 1
    }
  }
  node.removeAttribute('srcset')
})

const SETTINGS = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'frame', 'object', 'embed', 'link', 'meta', 'base'],
  FORBID_ATTR: ['style', 'class', 'id', 'srcset', 'formaction', 'background'],
  ALLOW_DATA_ATTR: false,
}

export function sanitize(html: string, { remoteImages = false } = {}): Sanitized {
  current.remoteImages = remoteImages
  current.blockedImages = 0
  const clean = purifier.sanitize(html, SETTINGS)
  return { html: clean, blockedImages: current.blockedImages }
}

/** The text of some HTML, as a plain-text reader would see it. */
export function textOf(html: string): string {
  const document = new DOMParser().parseFromString(sanitize(html).html, 'text/html')
  document.querySelectorAll('br').forEach((br) => br.replaceWith('\n'))
  document.querySelectorAll('p, div, li, h1, h2, h3, h4, pre, blockquote').forEach((block) => block.append('\n'))
  return (document.body.textContent ?? '').replace(/\n{3,}/g, '\n\n').trim()
}

/** Plain text as HTML paragraphs, escaped. */
export function htmlOf(text: string): string {
  const escape = (line: string) =>
    line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${paragraph.split('\n').map(escape).join('<br>')}</p>`)
    .join('')
}
