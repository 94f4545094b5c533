// Tailwind CSS v3 configuration for Steward. The built file is static/app.css;
// regenerate it with scripts/generate. Class names must appear as whole literals
// in the files matched by `content`, or they are purged from the build.
const defaultTheme = require("tailwindcss/defaultTheme");

/** @type {import('tailwindcss').Config} */
module.exports = {
  content: [
    "./views/**/*.templ",
    "./views/**/*.go",
    "./web/**/*.templ",
    "./web/**/*.go",
  ],
  // Colours are Tailwind's own: gray for everything neutral, indigo as the one
  // accent (primary actions, links, focus rings), red only for destruction and
  // errors, and the state colours of components.Badge.
  theme: {
    extend: {
      fontFamily: {
        // System font stack: no web fonts to download, native look everywhere.
        sans: [
          "system-ui",
          "-apple-system",
          '"Segoe UI"',
          "Roboto",
          '"Helvetica Neue"',
          "Arial",
          '"Noto Sans"',
          "sans-serif",
          ...defaultTheme.fontFamily.sans.filter((f) => f.includes("Emoji")),
        ],
      },
    },
  },
  plugins: [
    // Opt-in form resets (form-input, form-select, form-checkbox, ...), so
    // native controls look the same in every browser.
    require("@tailwindcss/forms")({ strategy: "class" }),
  ],
};
