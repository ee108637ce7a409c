package data

import (
	"archive/zip"
	"fmt"
	"io"
	"path/filepath"

	"gogan/internal/atomicfile"
)

// maxArchiveMember bounds a member's declared size: EMNIST's largest file is about 75 MB
// compressed, and a zip header that claims gigabytes for an IDX file is damage, not data.
const maxArchiveMember = 1 << 30

// extracted reports whether the IDX files of the requested splits are all in dir.
func (s *Source) extracted(dir, split string) bool {
	for _, sp := range []string{"train", "test"} {
		if split != "" && split != sp {
			continue
		}
		images, labels := s.IDXFiles(sp)
		if findFile(dir, images) == "" || findFile(dir, labels) == "" {
			return false
		}
	}
	return true
}

// extract copies the IDX files of the requested splits out of the source's zip archive into
// dir. The zip reader checks each member's CRC-32 as it reaches the member's end.
func (s *Source) extract(archive, dir string, opt DownloadOptions) error {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return fmt.Errorf("open archive %s: %w", archive, err)
	}
	defer zr.Close()
	members := map[string]*zip.File{}
	for _, f := range zr.File {
		members[f.Name] = f
	}
	for _, split := range []string{"train", "test"} {
		if opt.Split != "" && opt.Split != split {
			continue
		}
		images, labels := s.IDXFiles(split)
		for _, name := range []string{images, labels} {
			m, ok := members[emnistArchiveDir+name]
			if !ok {
				return fmt.Errorf("archive %s has no %s", archive, emnistArchiveDir+name)
			}
			if m.UncompressedSize64 > maxArchiveMember {
				return fmt.Errorf("archive %s: %s claims %d bytes", archive, m.Name, m.UncompressedSize64)
			}
			dst := filepath.Join(dir, name)
			err := atomicfile.Write(dst, 0o644, func(w io.Writer) error {
				r, err := m.Open()
				if err != nil {
					return err
				}
				defer r.Close()
				_, err = io.Copy(w, io.LimitReader(r, maxArchiveMember))
				return err
			})
			if err != nil {
				return fmt.Errorf("extract %s from %s: %w", name, archive, err)
			}
			fmt.Fprintf(opt.Log, "extracted %s\n", dst)
		}
	}
	return nil
}
