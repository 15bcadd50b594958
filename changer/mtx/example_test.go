package mtx_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/mtx"
)

func ExampleParse() {
	out := `mtx: Request Sense: Sense Key=Unit Attention
Mode sense (0x1A) for Page 0x1D failed
  Storage Changer /dev/sg5:2 Drives, 4 Slots ( 1 Import/Export )
Data Transfer Element 0:Full (Storage Element 2 Loaded):VolumeTag = ABC002L9                        
Data Transfer Element 1:Empty
      Storage Element 1:Full :VolumeTag=ABC001L9                        
      Storage Element 2:Empty
      Storage Element 3:Full 
      Storage Element 4 IMPORT/EXPORT:Empty
`
	st, err := mtx.Parse(strings.NewReader(out))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range st.Inventory() {
		fmt.Println(e)
	}
	// Output:
	// slot 1: full ABC001L9
	// slot 2: empty
	// slot 3: full
	// ie 4: empty
	// drive 61440: full ABC002L9 (from 2)
	// drive 61441: empty
}

func ExampleParseFailure() {
	stderr := `mtx: Request Sense: Long Report=yes
mtx: Request Sense: Sense Key=Hardware Error
mtx: Request Sense: Additional Sense Code = 04
mtx: Request Sense: Additional Sense Qualifier = 03
mtx: MOVE MEDIUM from Element Address 1001 to 502 Failed
`
	err := error(mtx.ParseFailure("load", []byte(stderr), 1))
	var me *mtx.Error
	if errors.As(err, &me) {
		fmt.Println(me.SenseText())
	}
	fmt.Println(errors.Is(err, changer.ErrRobotFailure))
	// Output:
	// Hardware Error 04/03 logical unit not ready, manual intervention required
	// true
}
