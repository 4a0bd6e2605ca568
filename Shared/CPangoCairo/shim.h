#ifndef SURAT_CPANGOCAIRO_SHIM_H
#define SURAT_CPANGOCAIRO_SHIM_H
// The whole C surface LetterDocument uses: Pango (text shaping, line breaking, justification)
// drawn through Cairo onto a PDF surface. Only the libraries' own headers.
#include <pango/pangocairo.h>
#include <cairo.h>
#include <cairo-pdf.h>
#endif
