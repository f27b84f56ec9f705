// Aura with colours that pass WCAG AA contrast where Aura's own fail it (axe-core in the browser
// tests): a darker primary under white text, unpressed toggle text (SelectButton) and the text of
// messages and toasts one shade darker.
import { definePreset } from '@primeuix/themes'
import Aura from '@primeuix/themes/aura'

const SEVERITY_TEXT = {
  info: { color: '{blue.700}' },
  success: { color: '{green.700}' },
  warn: { color: '{yellow.700}' },
  error: { color: '{red.700}' },
}

export const HelpdeskTheme = definePreset(Aura, {
  semantic: {
    primary: {
      50: '{blue.50}', 100: '{blue.100}', 200: '{blue.200}', 300: '{blue.300}', 400: '{blue.400}',
      500: '{blue.500}', 600: '{blue.600}', 700: '{blue.700}', 800: '{blue.800}', 900: '{blue.900}', 950: '{blue.950}',
    },
    colorScheme: {
      light: {
        primary: { color: '{blue.700}', contrastColor: '#ffffff', hoverColor: '{blue.800}', activeColor: '{blue.900}' },
        highlight: { background: '{blue.50}', focusBackground: '{blue.100}', color: '{blue.800}', focusColor: '{blue.900}' },
      },
    },
  },
  components: {
    // Danger buttons (deletes) white on red.700: Aura's red.500 fails AA contrast (axe-core).
    button: {
      colorScheme: {
        light: {
          root: {
            danger: {
              background: '{red.700}', hoverBackground: '{red.800}', activeBackground: '{red.900}',
              borderColor: '{red.700}', hoverBorderColor: '{red.800}', activeBorderColor: '{red.900}',
              color: '#ffffff', hoverColor: '#ffffff', activeColor: '#ffffff',
            },
          },
          outlined: { danger: { hoverBackground: '{red.50}', borderColor: '{red.600}', color: '{red.700}' } },
          text: { danger: { hoverBackground: '{red.50}', activeBackground: '{red.100}', color: '{red.700}' } },
        },
      },
    },
    // Messages (a refused delete, a created record) and toasts in the 700 shade: Aura's 600 on their
    // pale backgrounds fails AA contrast (axe-core).
    message: { colorScheme: { light: SEVERITY_TEXT } },
    toast: { colorScheme: { light: SEVERITY_TEXT } },
    togglebutton: {
      colorScheme: { light: { root: { color: '{surface.600}' }, icon: { color: '{surface.600}' } } },
    },
  },
})
