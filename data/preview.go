package data

import (
	"fmt"
	"strconv"
	"strings"

	"gorgonia.org/tensor"
)

// previewImages bounds the images of a labelled preview, so that a folder of many classes
// makes fewer images per row rather than a grid too large to look at.
const previewImages = 512

// Preview is what a dataset's grid shows: for labelled data one named row per class, for
// unlabelled data the first images.
type Preview struct {
	Images   *tensor.Dense // (N, C, H, W) in [-1, 1]
	Row      int           // images per row
	RowNames []string      // one per row when the rows are classes; nil otherwise
}

// ClassCounts counts the images of each class; nil without labels.
func (d *Dataset) ClassCounts() []int {
	if d.Labels == nil {
		return nil
	}
	counts := make([]int, d.Classes)
	for _, l := range d.Labels {
		counts[l]++
	}
	return counts
}

// Names are the class names, or the class numbers where the dataset names none; nil without
// labels.
func (d *Dataset) Names() []string {
	if d.Labels == nil {
		return nil
	}
	if len(d.ClassNames) == d.Classes {
		return d.ClassNames
	}
	names := make([]string, d.Classes)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}

// Preview picks the images of the dataset's grid: unlabelled data, its first n images, row a
// row; labelled data, the first row images of each class that has any (fewer when there are
// so many classes that the grid would pass previewImages), in class order, each row named
// by its class. A class with fewer images than the row leaves the rest of its row blank.
func (d *Dataset) Preview(n, row int) Preview {
	if d.Labels == nil || d.n == 0 {
		first := make([]int, min(n, d.n))
		for i := range first {
			first[i] = i
		}
		return Preview{Images: d.Batch(first), Row: row}
	}
	counts := d.ClassCounts()
	var shown []int
	for k, c := range counts {
		if c > 0 {
			shown = append(shown, k)
		}
	}
	row = max(1, min(row, previewImages/len(shown)))
	slot := make(map[int]int, len(shown)) // class → its row
	for r, k := range shown {
		slot[k] = r
	}
	picked := make([]int, len(shown)*row)
	for i := range picked {
		picked[i] = -1
	}
	filled := make([]int, d.Classes)
	for i, l := range d.Labels {
		if filled[l] < row {
			picked[slot[int(l)]*row+filled[l]] = i
			filled[l]++
		}
	}
	names := d.Names()
	rows := make([]string, len(shown))
	for r, k := range shown {
		rows[r] = names[k]
	}
	return Preview{Images: d.batchOrBlank(picked), Row: row, RowNames: rows}
}

// batchOrBlank is Batch where index -1 gives a blank image of the grid's padding value (0).
func (d *Dataset) batchOrBlank(indices []int) *tensor.Dense {
	size := d.c * d.h * d.w
	buf := make([]float32, len(indices)*size)
	for k, i := range indices {
		if i < 0 {
			continue
		}
		dst := buf[k*size : (k+1)*size]
		for j, v := range d.Image(i) {
			dst[j] = byteToUnit[v]
		}
	}
	return tensor.New(tensor.WithShape(len(indices), d.c, d.h, d.w), tensor.WithBacking(buf))
}

// WritePreview writes the dataset's Preview of n images, row a row, as a grid at path (PNG or
// JPEG by its name), its rows named by class when the data is labelled.
func WritePreview(path string, d *Dataset, n, row int) (Preview, error) {
	p := d.Preview(n, row)
	var err error
	if p.RowNames != nil {
		err = WriteLabelledGrid(path, p.Images, p.Row, 2, 0, p.RowNames)
	} else {
		err = WriteGrid(path, p.Images, p.Row, 2, 0)
	}
	return p, err
}

// ClassSummary lists classes as "name count", in class order, all of them when there are at
// most most, otherwise the first most and then how many there are in all.
func ClassSummary(names []string, counts []int, most int) string {
	cells := make([]string, 0, min(len(names), most)+1)
	for k := range min(len(names), most) {
		cells = append(cells, fmt.Sprintf("%s %d", names[k], counts[k]))
	}
	if len(names) > most {
		cells = append(cells, fmt.Sprintf("… %d classes", len(names)))
	}
	return strings.Join(cells, ", ")
}
