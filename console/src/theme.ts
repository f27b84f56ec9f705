// Aura with a primary colour that white text can sit on (WCAG AA 4.5:1): Aura's emerald fails it,
// which axe-core reports on every button; and unpressed toggle text (SelectButton) one shade darker,
// Aura's surface.500 on surface.100 being 4.3:1.
import { definePreset } from '@primeuix/themes'
import Aura from '@primeuix/themes/aura'

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
    // Danger buttons (deletes) white on red.700 rather than Aura's red.500, which misses 4.5:1.
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
    togglebutton: {
      colorScheme: { light: { root: { color: '{surface.600}' }, icon: { color: '{surface.600}' } } },
    },
  },
})
